"""Labelled snippets for the semgrep rules (qldrops/analysis/rules/*.yml), written here.

Per language: a known-bad snippet with the rule ids it must trigger, and a clean snippet
that must trigger no security rule (quality notes such as ``rs-unwrap`` are allowed only
where listed). Used by tests/test_analysis_semgrep.py.
"""

from __future__ import annotations

# language -> (bad snippet, rules it must trigger, clean snippet)
LABELLED: dict[str, tuple[str, set[str], str]] = {
    "javascript": ("""const cp = require("child_process");
const crypto = require("crypto");
function handler(req, res, db) {
  const name = req.query.name;
  eval(req.body.code);
  cp.exec(`ls ${name}`);
  db.query("SELECT * FROM users WHERE name = '" + name + "'");
  const h = crypto.createHash("md5").update(name).digest("hex");
  const agent = new https.Agent({ rejectUnauthorized: false });
  document.getElementById("out").innerHTML = name;
  try { JSON.parse(name); } catch (e) {}
  if (h == name) { return 1; }
}
""", {"js-eval-input", "js-command-injection", "js-sql-concat", "js-weak-crypto", "js-tls-off", "js-xss-inner-html",
      "js-empty-catch", "js-loose-equality"},
     """const { execFile } = require("child_process");
const crypto = require("crypto");
async function handler(req, res, db) {
  const name = String(req.query.name);
  const rows = await db.query("SELECT * FROM users WHERE name = $1", [name]);
  execFile("ls", ["-l", name], (err, out) => res.send(out));
  const h = crypto.createHash("sha256").update(name).digest("hex");
  document.getElementById("out").textContent = name;
  return rows.length === 0 ? h : rows[0];
}
"""),
    "typescript": ("""import { exec } from "child_process";
export function run(user: string, db: any): void {
  exec("rm -rf /tmp/" + user);
  db.query(`DELETE FROM sessions WHERE user = '${user}'`);
  const fn = new Function("a", user);
}
""", {"js-command-injection", "js-sql-concat", "js-eval-input"},
     """import { execFile } from "child_process";
export async function run(user: string, db: { query(sql: string, args: unknown[]): Promise<unknown> }): Promise<void> {
  execFile("ls", [user]);
  await db.query("DELETE FROM sessions WHERE user = $1", [user]);
}
"""),
    "java": ("""import java.io.*;
import java.security.MessageDigest;
import java.sql.*;

public class UserDao {
    public ResultSet find(Connection conn, String name) throws Exception {
        Statement st = conn.createStatement();
        Runtime.getRuntime().exec("ping " + name);
        MessageDigest md = MessageDigest.getInstance("MD5");
        ObjectInputStream in = new ObjectInputStream(new FileInputStream("data.bin"));
        Object o = in.readObject();
        try { o.toString(); } catch (Exception e) {}
        return st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
    }
}
""", {"java-command-exec", "java-weak-crypto", "java-insecure-deserialisation", "java-sql-concat", "java-empty-catch"},
     """import java.security.MessageDigest;
import java.sql.*;

public class UserDao {
    public ResultSet find(Connection conn, String name) throws Exception {
        PreparedStatement st = conn.prepareStatement("SELECT * FROM users WHERE name = ?");
        st.setString(1, name);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        return st.executeQuery();
    }
}
"""),
    "kotlin": ("""import java.security.MessageDigest
import java.sql.Connection

fun find(conn: Connection, name: String?) {
    val st = conn.createStatement()
    Runtime.getRuntime().exec("ping " + name)
    st.executeQuery("SELECT * FROM users WHERE name = '$name'")
    val md = MessageDigest.getInstance("MD5")
    println(name!!.length)
}
""", {"kt-command-exec", "kt-sql-concat", "kt-weak-crypto", "kt-not-null-assertion"},
     """import java.security.MessageDigest
import java.sql.Connection

fun find(conn: Connection, name: String) {
    val st = conn.prepareStatement("SELECT * FROM users WHERE name = ?")
    st.setString(1, name)
    val md = MessageDigest.getInstance("SHA-256")
    println(name.length)
}
"""),
    "csharp": ("""using System.Data.SqlClient;
using System.Diagnostics;
using System.Runtime.Serialization.Formatters.Binary;
using System.Security.Cryptography;

public class Users {
    public void Find(SqlConnection conn, string name) {
        var cmd = new SqlCommand("SELECT * FROM Users WHERE Name = '" + name + "'", conn);
        Process.Start("cmd.exe", "/c dir " + name);
        var f = new BinaryFormatter();
        var md = MD5.Create();
        try { cmd.ExecuteReader(); } catch (Exception e) {}
    }
}
""", {"cs-sql-concat", "cs-command-exec", "cs-insecure-deserialisation", "cs-weak-crypto", "cs-empty-catch"},
     """using System.Data.SqlClient;
using System.Security.Cryptography;

public class Users {
    public void Find(SqlConnection conn, string name) {
        var cmd = new SqlCommand("SELECT * FROM Users WHERE Name = @name", conn);
        cmd.Parameters.AddWithValue("@name", name);
        var sha = SHA256.Create();
        cmd.ExecuteReader();
    }
}
"""),
    "ruby": ("""require "digest"
require "yaml"

class UsersController < ApplicationController
  def show
    name = params[:name]
    User.where("name = '#{name}'")
    system("ls #{name}")
    obj = Marshal.load(request.body.read)
    cfg = YAML.load(params[:cfg])
    eval(params[:code])
    Digest::MD5.hexdigest(name)
  end
end
""", {"rb-sql-interpolation", "rb-command-injection", "rb-insecure-deserialisation", "rb-eval", "rb-weak-crypto"},
     """require "digest"
require "json"

class UsersController < ApplicationController
  def show
    name = params[:name]
    User.where("name = ?", name)
    system("ls", name)
    obj = JSON.parse(request.body.read)
    Digest::SHA256.hexdigest(name)
  end
end
"""),
    "php": ("""<?php
$id = $_GET['id'];
$result = mysqli_query($conn, "SELECT * FROM users WHERE id = " . $id);
system($_GET['cmd']);
$obj = unserialize($_COOKIE['data']);
echo $_GET['name'];
$h = md5($id);
eval($_POST['code']);
""", {"php-sql-concat", "php-command-injection", "php-insecure-deserialisation", "php-xss-echo", "php-weak-crypto",
      "php-eval"},
     """<?php
$id = (int) $_GET['id'];
$stmt = $pdo->prepare("SELECT * FROM users WHERE id = ?");
$stmt->execute([$id]);
echo htmlspecialchars($_GET['name'], ENT_QUOTES);
$h = password_hash($id, PASSWORD_DEFAULT);
"""),
    "rust": ("""use std::process::Command;

fn run(user: &str) {
    Command::new("sh").arg("-c").arg(format!("ls {}", user)).output().unwrap();
    let q = format!("SELECT * FROM users WHERE name = '{}'", user);
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    let d = md5::compute(user);
}
""", {"rs-command-shell", "rs-sql-format", "rs-tls-off", "rs-weak-crypto", "rs-unwrap"},
     """use std::process::Command;

fn run(user: &str) -> std::io::Result<()> {
    Command::new("ls").arg(user).output()?;
    Ok(())
}
"""),
    "swift": ("""import Foundation

func run(_ name: String) {
    let task = Process()
    task.launchPath = "/bin/sh"
    task.arguments = ["-c", "ls " + name]
    let obj = NSKeyedUnarchiver.unarchiveObject(withFile: name)
    let digest = Insecure.MD5.hash(data: Data(name.utf8))
    let data = try! Data(contentsOf: URL(fileURLWithPath: name))
}
""", {"swift-shell", "swift-insecure-deserialisation", "swift-weak-crypto", "swift-force-try"},
     """import Foundation
import CryptoKit

func run(_ name: String) throws {
    let task = Process()
    task.executableURL = URL(fileURLWithPath: "/bin/ls")
    task.arguments = [name]
    let digest = SHA256.hash(data: Data(name.utf8))
    let data = try Data(contentsOf: URL(fileURLWithPath: name))
}
"""),
}
