"""A labelled set of snippets for measuring secret detection (precision and recall).

Each :class:`Snippet` is a small piece of code or config in one language with the lines
that hold a secret (``expected``: ``(line, kind)``, lines counted from 1) or ``()`` when
nothing in it should be flagged. The secret values are made up: every key, token and
password comes from :func:`fake`, a seeded pseudo-random string with the shape of the real
thing (``AKIA`` + 16 upper-case characters, ``ghp_`` + 36, a JWT with a real header...), so
none of them is, or was, a real credential.

Positives: keys, tokens and passwords in code and config. Negatives: placeholders,
environment reads, test fixtures and validation examples, hashes, UUIDs, base64 images,
lorem text and version strings -- the things that made the old rules cry wolf.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass

UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
PUNCT_PW = ALNUM + "!#%&*?@^"


@dataclass(frozen=True)
class Snippet:
    language: str
    text: str
    expected: tuple[tuple[int, str], ...]
    note: str = ""

    @property
    def lines(self) -> set[int]:
        return {ln for ln, _ in self.expected}


MADE: set[str] = set()  # every value fake() made: the redaction test checks none survives


def fake(n: int, alphabet: str = ALNUM, tag: str = "") -> str:
    """``n`` characters from ``alphabet``, the same on every run for the same ``tag``."""
    rng = random.Random(f"{tag}:{n}:{alphabet}")
    value = "".join(rng.choice(alphabet) for _ in range(n))
    MADE.add(value)
    return value


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def L(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def akid(tag: str) -> str:
    return "AKIA" + fake(16, UPPER_DIGITS, tag)


def aws_secret(tag: str) -> str:
    return fake(40, B64, tag)


def ghp(tag: str) -> str:
    return "ghp_" + fake(36, ALNUM, tag)


def slack(tag: str) -> str:
    return f"xoxb-{fake(11, string.digits, tag)}-{fake(12, string.digits, tag + 'b')}-{fake(24, ALNUM, tag)}"


def stripe(tag: str) -> str:
    return "sk_live_" + fake(24, ALNUM, tag)


def openai(tag: str) -> str:
    return "sk-proj-" + fake(48, URLSAFE, tag)


def google(tag: str) -> str:
    return "AIza" + fake(35, URLSAFE, tag)


def jwt(tag: str) -> str:
    head = b64url({"alg": "HS256", "typ": "JWT"})
    body = b64url({"sub": fake(8, string.digits, tag), "name": "svc-" + tag, "iat": 1732000000})
    return f"{head}.{body}.{fake(43, URLSAFE, tag)}"


def pw(tag: str, n: int = 16) -> str:
    return fake(n, PUNCT_PW, tag)


def hexs(tag: str, n: int = 32) -> str:
    return fake(n, HEX, tag)


def pem(tag: str) -> list[str]:
    body = [fake(64, B64, f"{tag}{i}") for i in range(4)]
    return ["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"]


SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
BCRYPT = "$2b$12$" + fake(53, ALNUM + "./", "bcrypt")
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + fake(40, B64, "png") + "AAAAASUVORK5CYII="
UUID = "3f2b8c1e-9a4d-4e7b-b2c5-7d1e0f6a9b34"
SRI = "sha384-" + fake(64, B64, "sri")


def P(language: str, text: str, *expected: tuple[int, str], note: str = "") -> Snippet:
    return Snippet(language, text, tuple(expected), note)


def N(language: str, text: str, note: str = "") -> Snippet:
    return Snippet(language, text, (), note)


POSITIVES: list[Snippet] = [
    # --- Python
    P("python", L("import boto3", "", f'AWS_ACCESS_KEY_ID = "{akid("py1")}"',
                  f'AWS_SECRET_ACCESS_KEY = "{aws_secret("py1")}"', "s3 = boto3.client('s3')"),
      (3, "aws-access-key-id"), (4, "aws-secret-key")),
    P("python", L("client = boto3.client(", f"    's3', aws_access_key_id='{akid('py2')}',",
                  f"    aws_secret_access_key='{aws_secret('py2')}')"),
      (2, "aws-access-key-id"), (3, "aws-secret-key")),
    P("python", L("from github import Github", f'gh = Github("{ghp("py3")}")', "repo = gh.get_repo('a/b')"),
      (2, "github-token")),
    P("python", L("import openai", f'openai.api_key = "{openai("py4")}"'), (2, "openai-key")),
    P("python", L("import stripe", f"stripe.api_key = '{stripe('py5')}'"), (2, "stripe-key")),
    P("python", L("DATABASES = {", "    'default': {", "        'ENGINE': 'django.db.backends.postgresql',",
                  "        'USER': 'app',", f"        'PASSWORD': '{pw('py6')}',", "    }", "}"),
      (5, "password")),
    P("python", L(f'engine = create_engine("postgresql://app:{pw("py7", 14)}@db.internal:5432/orders")'),
      (1, "url-password")),
    P("python", L(f"SECRET_KEY = 'django-insecure-{fake(50, ALNUM + '!@#%^&*(-_=+)', 'py8')}'"), (1, "secret")),
    P("python", L("headers = {", f'    "Authorization": "Bearer {jwt("py9")}",', "}"), (2, "jwt")),
    P("python", L("from slack_sdk import WebClient", f"client = WebClient(token='{slack('py10')}')"),
      (2, "slack-token")),
    P("python", L(f'GOOGLE_MAPS_KEY = "{google("py11")}"'), (1, "google-api-key")),
    P("python", L("def connect():", f"    return redis.Redis(host='cache', password='{pw('py12', 20)}')"),
      (2, "password")),
    P("python", L(*[f'KEY = """{ln}' if i == 0 else ln for i, ln in enumerate(pem("py13"))], '"""'),
      (1, "private-key")),
    P("python", L(f'SENDGRID_API_KEY = "SG.{fake(22, URLSAFE, "py14")}.{fake(43, URLSAFE, "py14b")}"'),
      (1, "api-key")),
    P("python", L(f'api_token = "{hexs("py15", 40)}"'), (1, "token")),
    P("python", L("config = {", f'    "client_secret": "{fake(32, ALNUM, "py16")}",', '    "client_id": "web-app",', "}"),
      (2, "secret")),
    P("python", L(f'mongo = MongoClient("mongodb+srv://admin:{pw("py17", 12)}@cluster0.x1y2z.mongodb.net/prod")'),
      (1, "url-password")),
    # --- JavaScript
    P("javascript", L("const AWS = require('aws-sdk');", "AWS.config.update({", f"  accessKeyId: '{akid('js1')}',",
                      f"  secretAccessKey: '{aws_secret('js1')}',", "  region: 'eu-west-1',", "});"),
      (3, "aws-access-key-id"), (4, "aws-secret-key")),
    P("javascript", L(f"const stripe = require('stripe')('{stripe('js2')}');"), (1, "stripe-key")),
    P("javascript", L("const { Octokit } = require('@octokit/rest');",
                      f"const octokit = new Octokit({{ auth: '{ghp('js3')}' }});"), (2, "github-token")),
    P("javascript", L("const pool = new Pool({", "  user: 'api',", "  host: 'db.prod.local',",
                      f"  password: '{pw('js4')}',", "  port: 5432,", "});"), (4, "password")),
    P("javascript", L(f"mongoose.connect('mongodb://root:{pw('js5', 12)}@mongo:27017/shop');"), (1, "url-password")),
    P("javascript", L(f"const token = '{jwt('js6')}';", "fetch(url, { headers: { Authorization: `Bearer ${token}` } });"),
      (1, "jwt")),
    P("javascript", L("const firebaseConfig = {", f'  apiKey: "{google("js7")}",', '  authDomain: "shop.firebaseapp.com",', "};"),
      (2, "google-api-key")),
    P("javascript", L(f"const SLACK_WEBHOOK_TOKEN = '{slack('js8')}';"), (1, "slack-token")),
    P("javascript", L("module.exports = {", f"  jwtSecret: '{fake(32, ALNUM, 'js9')}',", "  expiresIn: '1h',", "};"),
      (2, "secret")),
    P("javascript", L("const openai = new OpenAI({", f"  apiKey: '{openai('js10')}',", "});"), (2, "openai-key")),
    P("javascript", L("const transporter = nodemailer.createTransport({", "  auth: {", "    user: 'noreply@shop.io',",
                      f"    pass: '{pw('js11')}',", "  },", "});"), (4, "password")),
    # --- TypeScript
    P("typescript", L("export const config = {", f"  stripeSecretKey: '{stripe('ts1')}',", "  currency: 'eur',", "};"),
      (2, "stripe-key")),
    P("typescript", L(f"const GITHUB_TOKEN: string = '{ghp('ts2')}';"), (1, "github-token")),
    P("typescript", L("const db = new DataSource({", "  type: 'postgres',", "  username: 'orders',",
                      f"  password: '{pw('ts3')}',", "});"), (4, "password")),
    P("typescript", L(f"const API_KEY = '{fake(32, ALNUM, 'ts4')}';", "axios.get(url, { params: { key: API_KEY } });"),
      (1, "api-key")),
    P("typescript", L(f"const s3 = new S3Client({{ credentials: {{ accessKeyId: '{akid('ts5')}', "
                      f"secretAccessKey: '{aws_secret('ts5')}' }} }});"), (1, "aws-access-key-id")),
    P("typescript", L(f"export const REDIS_URL = 'redis://default:{pw('ts6', 18)}@redis-123.cloud.io:6379';"),
      (1, "url-password")),
    P("typescript", L(f"const serviceToken = '{jwt('ts7')}';"), (1, "jwt")),
    # --- Go
    P("go", L("package main", "", "const (", f'\tawsKeyID  = "{akid("go1")}"', f'\tawsSecret = "{aws_secret("go1")}"', ")"),
      (4, "aws-access-key-id"), (5, "aws-secret-key")),
    P("go", L(f'var dsn = "postgres://svc:{pw("go2", 14)}@10.0.3.7:5432/ledger?sslmode=disable"'), (1, "url-password")),
    P("go", L(f'client := github.NewClient(nil).WithAuthToken("{ghp("go3")}")'), (1, "github-token")),
    P("go", L("cfg := mysql.Config{", '\tUser:   "root",', f'\tPasswd: "{pw("go4")}",', '\tNet:    "tcp",', "}"),
      (3, "password")),
    P("go", L(f'const slackToken = "{slack("go5")}"'), (1, "slack-token")),
    P("go", L(f'var jwtKey = []byte("{fake(32, ALNUM, "go6")}")'), (1, "secret")),
    P("go", L(f'stripe.Key = "{stripe("go7")}"'), (1, "stripe-key")),
    # --- Java
    P("java", L("public class Config {", f'    private static final String AWS_ACCESS_KEY = "{akid("jv1")}";',
                f'    private static final String AWS_SECRET_KEY = "{aws_secret("jv1")}";', "}"),
      (2, "aws-access-key-id"), (3, "aws-secret-key")),
    P("java", L(f'Connection c = DriverManager.getConnection("jdbc:mysql://db:3306/shop", "root", "{pw("jv2")}");'),
      (1, "password")),
    P("java", L(f'String password = "{pw("jv3")}";', "conn = ds.getConnection(user, password);"), (1, "password")),
    P("java", L(f'private static final String API_KEY = "{google("jv4")}";'), (1, "google-api-key")),
    P("java", L(f'Stripe.apiKey = "{stripe("jv5")}";'), (1, "stripe-key")),
    P("java", L(f'String token = "{jwt("jv6")}";'), (1, "jwt")),
    # --- Ruby
    P("ruby", L("Aws.config.update(", f"  credentials: Aws::Credentials.new('{akid('rb1')}', '{aws_secret('rb1')}')", ")"),
      (2, "aws-access-key-id")),
    P("ruby", L(f"Stripe.api_key = '{stripe('rb2')}'"), (1, "stripe-key")),
    P("ruby", L("production:", "  adapter: postgresql", f"  password: {pw('rb3')}"), (3, "password")),
    P("ruby", L(f"client = Octokit::Client.new(access_token: '{ghp('rb4')}')"), (1, "github-token")),
    P("ruby", L(f"SECRET_KEY_BASE = '{hexs('rb5', 64)}'"), (1, "secret")),
    P("ruby", L(f"Redis.new(url: 'redis://:{pw('rb6', 20)}@cache.internal:6379/1')"), (1, "url-password")),
    # --- PHP
    P("php", L("<?php", f"$pdo = new PDO('mysql:host=db;dbname=shop', 'shop', '{pw('php1')}');"), (2, "password")),
    P("php", L("<?php", f"define('DB_PASSWORD', '{pw('php2')}');"), (2, "password")),
    P("php", L("<?php", "return [", f"    'stripe_secret' => '{stripe('php3')}',", "];"), (3, "stripe-key")),
    P("php", L("<?php", f"$s3 = new S3Client(['credentials' => ['key' => '{akid('php4')}', "
                        f"'secret' => '{aws_secret('php4')}']]);"), (2, "aws-access-key-id")),
    P("php", L("<?php", f"$apiKey = '{fake(32, ALNUM, 'php5')}';"), (2, "api-key")),
    P("php", L("<?php", f"$token = \"{ghp('php6')}\";"), (2, "github-token")),
    # --- shell
    P("shell", L("#!/bin/sh", f"export AWS_ACCESS_KEY_ID={akid('sh1')}", f"export AWS_SECRET_ACCESS_KEY={aws_secret('sh1')}",
                 "aws s3 ls"), (2, "aws-access-key-id"), (3, "aws-secret-key")),
    P("shell", L(f'curl -H "Authorization: token {ghp("sh2")}" https://api.github.com/user'), (1, "github-token")),
    P("shell", L(f"psql postgresql://admin:{pw('sh3', 14)}@db.example.net:5432/app -c 'select 1'"), (1, "url-password")),
    P("shell", L(f'export OPENAI_API_KEY="{openai("sh4")}"', "python run.py"), (1, "openai-key")),
    P("shell", L(f"mysql -u root -p'{pw('sh5')}' shop < dump.sql"), (1, "password")),
    P("shell", L(f"curl -u admin:{pw('sh6', 14)} https://jenkins.internal/api/json"), (1, "password")),
    P("shell", L(f'export DB_PASSWORD="{pw("sh7")}"'), (1, "password")),
    # --- YAML
    P("yaml", L("spring:", "  datasource:", "    url: jdbc:postgresql://db:5432/app", "    username: app",
                f"    password: {pw('ym1')}"), (5, "password")),
    P("yaml", L("env:", f"  AWS_ACCESS_KEY_ID: {akid('ym2')}", f"  AWS_SECRET_ACCESS_KEY: {aws_secret('ym2')}"),
      (2, "aws-access-key-id"), (3, "aws-secret-key")),
    P("yaml", L("slack:", f"  token: {slack('ym3')}", "  channel: '#alerts'"), (2, "slack-token")),
    P("yaml", L("services:", "  db:", "    image: postgres:16", "    environment:",
                f"      POSTGRES_PASSWORD: {pw('ym4')}"), (5, "password")),
    P("yaml", L("apiVersion: v1", "kind: Secret", "stringData:", f"  api-token: {fake(40, ALNUM, 'ym5')}"), (4, "token")),
    P("yaml", L("github:", f'  token: "{ghp("ym6")}"'), (2, "github-token")),
    P("yaml", L("database:", f"  url: mysql://shop:{pw('ym7', 14)}@mysql.internal/shop"), (2, "url-password")),
    P("yaml", L("openai:", f"  api_key: {openai('ym8')}"), (2, "openai-key")),
    # --- JSON
    P("json", L("{", '  "aws": {', f'    "accessKeyId": "{akid("js_1")}",', f'    "secretAccessKey": "{aws_secret("js_1")}"',
                "  }", "}"), (3, "aws-access-key-id"), (4, "aws-secret-key")),
    P("json", L("{", f'  "password": "{pw("jn2")}",', '  "user": "etl"', "}"), (2, "password")),
    P("json", L("{", f'  "stripeKey": "{stripe("jn3")}"', "}"), (2, "stripe-key")),
    P("json", L("{", '  "type": "service_account",', '  "project_id": "shop-prod",',
                f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{fake(64, B64, "jn4")}\\n-----END PRIVATE KEY-----\\n",',
                '  "client_email": "svc@shop-prod.iam.gserviceaccount.com"', "}"), (4, "private-key")),
    P("json", L("{", f'  "token": "{jwt("jn5")}"', "}"), (2, "jwt")),
    P("json", L("{", f'  "connectionString": "mongodb://app:{pw("jn6", 14)}@mongo-0:27017/app"', "}"), (2, "url-password")),
    P("json", L("{", f'  "apiKey": "{google("jn7")}"', "}"), (2, "google-api-key")),
    P("json", L("{", f'  "api_secret": "{fake(40, ALNUM, "jn8")}"', "}"), (2, "secret")),
    # --- .env / INI
    P("env", L(f"AWS_ACCESS_KEY_ID={akid('env1')}", f"AWS_SECRET_ACCESS_KEY={aws_secret('env1')}", "AWS_REGION=us-east-1"),
      (1, "aws-access-key-id"), (2, "aws-secret-key")),
    P("env", L("DB_HOST=db", f"DB_PASSWORD={pw('env2')}"), (2, "password")),
    P("env", L(f"STRIPE_SECRET_KEY={stripe('env3')}"), (1, "stripe-key")),
    P("env", L(f"GITHUB_TOKEN={ghp('env4')}"), (1, "github-token")),
    P("env", L(f"DATABASE_URL=postgres://u_app:{pw('env5', 14)}@pg.internal:5432/app"), (1, "url-password")),
    P("env", L(f"OPENAI_API_KEY={openai('env6')}"), (1, "openai-key")),
    P("env", L(f"SECRET_KEY={fake(48, URLSAFE, 'env7')}"), (1, "secret")),
    P("ini", L("[database]", "host = db.internal", "user = report", f"password = {pw('ini1')}"), (4, "password")),
    P("ini", L("[default]", f"aws_access_key_id = {akid('ini2')}", f"aws_secret_access_key = {aws_secret('ini2')}"),
      (2, "aws-access-key-id"), (3, "aws-secret-key")),
    P("ini", L(f"spring.datasource.password={pw('ini3')}"), (1, "password")),
    # --- Dockerfile
    P("dockerfile", L("FROM node:20", f"ENV NPM_TOKEN=npm_{fake(36, ALNUM, 'df1')}", "RUN npm ci"), (2, "token")),
    P("dockerfile", L("FROM python:3.12", f"ENV AWS_ACCESS_KEY_ID={akid('df2')}",
                      f"ENV AWS_SECRET_ACCESS_KEY={aws_secret('df2')}"), (2, "aws-access-key-id"), (3, "aws-secret-key")),
    P("dockerfile", L("FROM postgres:16", f"ENV POSTGRES_PASSWORD={pw('df3')}"), (2, "password")),
    P("dockerfile", L("FROM alpine", f"RUN git clone https://deploy:{ghp('df4')}@github.com/acme/app.git"),
      (2, "github-token")),
    # --- Terraform / HCL
    P("terraform", L('provider "aws" {', '  region     = "eu-central-1"', f'  access_key = "{akid("tf1")}"',
                     f'  secret_key = "{aws_secret("tf1")}"', "}"), (3, "aws-access-key-id"), (4, "aws-secret-key")),
    P("terraform", L('resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "admin"',
                     f'  password = "{pw("tf2")}"', "}"), (4, "password")),
    P("terraform", L('provider "github" {', f'  token = "{ghp("tf3")}"', "}"), (2, "github-token")),
    # --- C#, Kotlin, XML
    P("csharp", L(f'var conn = "Server=tcp:shop.database.windows.net;Database=shop;User ID=sa;Password={pw("cs1")};";'),
      (1, "password")),
    P("csharp", L(f'const string ApiKey = "{fake(32, ALNUM, "cs2")}";'), (1, "api-key")),
    P("kotlin", L(f'val slackToken = "{slack("kt1")}"'), (1, "slack-token")),
    P("xml", L("<configuration>", f'  <add key="StorageKey" value="DefaultEndpointsProtocol=https;AccountName=shopdata;'
                                 f'AccountKey={fake(86, B64, "xml1")}==;" />', "</configuration>"), (2, "api-key")),
    P("markdown", L("Deploy with:", "", f"    export GITHUB_TOKEN={ghp('md1')}"), (3, "github-token")),
]

NEGATIVES: list[Snippet] = [
    # --- validation examples and test fixtures
    N("javascript", L("const rules = {", '  password: "short",', '  email: "not-an-email",', "};",
                      "for (const [field, value] of Object.entries(rules)) expect(validate(field, value)).toBe(false);"),
      "validator test values"),
    N("javascript", L("describe('password rules', () => {", "  it('rejects short ones', () => {",
                      "    expect(validate('abc')).toBe(false);", "    expect(validate({ password: 'hunter22' })).toBe(false);",
                      "  });", "});")),
    N("javascript", L("const messages = {", "  password: 'Password must have at least 8 characters',",
                      "  token: 'Your session token has expired',", "};")),
    N("typescript", L("it('logs in', async () => {", "  await login({ username: 'alice', password: 'correct-horse' });",
                      "  expect(page.url()).toContain('/home');", "});")),
    N("typescript", L("const schema = z.object({", "  password: z.string().min(8, 'password: too short'),", "});")),
    N("python", L("def test_rejects_weak_password(client):",
                  '    r = client.post("/signup", data={"username": "bob", "password": "password123"})',
                  "    assert r.status_code == 400")),
    N("python", L("def test_login(client):", "    user = UserFactory(password='s3cret!')",
                  "    assert client.login(username=user.username, password='s3cret!')")),
    N("python", L("class TestTokens(unittest.TestCase):", "    def test_bad_token(self):",
                  '        self.assertFalse(check_token("not-a-token"))')),
    N("python", L("@pytest.mark.parametrize('password', ['abc', 'abcdefgh', '12345678'])",
                  "def test_too_weak(password):", "    assert not is_strong(password)")),
    N("go", L("tests := []struct {", "\tname     string", "\tpassword string", "\twantErr  bool", "}{",
              '\t{"too short", "abc", true},', '\t{"no digit", "abcdefgh", true},', "}")),
    N("go", L("func TestLogin(t *testing.T) {", '\tres := login("alice", "wrongpass")',
              '\tif res.OK { t.Fatal("login with a wrong password") }', "}")),
    N("java", L("@Test", "void rejectsShortPassword() {", '    assertFalse(validator.isValid("abc12"));', "}")),
    N("ruby", L("RSpec.describe User do", "  it 'needs a long password' do",
                "    user = User.new(email: 'a@b.c', password: 'secret1')", "    expect(user).not_to be_valid",
                "  end", "end")),
    N("php", L("<?php", "public function testLoginFails(): void {",
               "    $this->assertFalse($auth->attempt('alice', 'wrongpassword'));", "}")),
    N("yaml", L("# fixtures/users.yml", "alice:", "  email: alice@example.com", "  password: password")),
    N("json", L("{", '  "errors": {', '    "password": "Password is required",',
                '    "token": "Token is invalid or expired"', "  }", "}")),
    # --- placeholders
    N("python", L('API_KEY = "<your-api-key>"')),
    N("python", L('OPENAI_API_KEY = "your-openai-api-key-here"')),
    N("python", L('password = "changeme"')),
    N("python", L('AWS_SECRET_ACCESS_KEY = "YOUR_SECRET_ACCESS_KEY"')),
    N("python", L('token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"')),
    N("python", L('db_password = "REPLACE_ME"')),
    N("javascript", L("const config = { apiKey: 'YOUR_API_KEY', secret: '<secret>' };")),
    N("javascript", L("const STRIPE_KEY = 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx';")),
    N("typescript", L("const token: string = '********';")),
    N("yaml", L("database:", "  password: <your-db-password>", "  user: admin")),
    N("yaml", L("auth:", '  api_key: "${API_KEY}"', '  secret: "{{ .Values.secret }}"')),
    N("json", L("{", '  "apiKey": "YOUR_API_KEY_HERE",', '  "password": "",', '  "token": null', "}")),
    N("env", L("# copy to .env and fill in", "API_KEY=", "DB_PASSWORD=changeme", "SECRET_KEY=your-secret-key")),
    N("env", L("STRIPE_SECRET_KEY=sk_test_your_key_here")),
    N("ini", L("[database]", "password = ${DB_PASSWORD}")),
    N("terraform", L('variable "db_password" {', '  type      = string', '  sensitive = true', "}")),
    N("terraform", L('resource "aws_db_instance" "main" {', "  password = var.db_password", "}")),
    N("dockerfile", L("FROM node:20", "ARG NPM_TOKEN", "ENV NPM_TOKEN=${NPM_TOKEN}", "RUN npm ci")),
    N("shell", L('export API_KEY="<paste your key here>"')),
    N("php", L("<?php", "define('DB_PASSWORD', 'password_here');")),
    N("go", L('const apiKey = "INSERT_API_KEY"')),
    N("java", L('String password = "********";')),
    N("ruby", L("config.api_key = 'YOUR-API-KEY'")),
    N("markdown", L("Set `OPENAI_API_KEY=sk-...` in your `.env` file.")),
    N("python", L('url = "postgres://user:password@localhost:5432/db"'), "the documented example URL"),
    N("yaml", L("DATABASE_URL: postgres://username:password@host:5432/dbname")),
    N("javascript", L("// e.g. mongodb://<user>:<password>@host:27017/db", "const uri = process.env.MONGO_URI;")),
    # --- environment and secret-store reads
    N("python", L("import os", 'AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]',
                  'password = os.getenv("DB_PASSWORD")', "token = os.environ.get('GITHUB_TOKEN', '')")),
    N("python", L("from django.conf import settings", "stripe.api_key = settings.STRIPE_SECRET_KEY")),
    N("python", L("password = getpass.getpass('Password: ')", "secret = secrets.token_hex(32)")),
    N("python", L('token = request.headers["Authorization"].removeprefix("Bearer ")')),
    N("javascript", L("const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);",
                      "const password = process.env.DB_PASSWORD;")),
    N("javascript", L("const { apiKey = process.env.API_KEY } = options;")),
    N("typescript", L("const secret: string = config.get<string>('jwt.secret');")),
    N("typescript", L("const token = import.meta.env.VITE_API_TOKEN as string;")),
    N("go", L('password := os.Getenv("DB_PASSWORD")', 'token, ok := os.LookupEnv("GITHUB_TOKEN")')),
    N("java", L('@Value("${db.password}")', "private String password;",
                'String apiKey = System.getenv("API_KEY");')),
    N("ruby", L("password: ENV.fetch('DB_PASSWORD')", "api_key = ENV['API_KEY']")),
    N("ruby", L("production:", "  password: <%= ENV['DB_PASSWORD'] %>")),
    N("php", L("<?php", "$password = getenv('DB_PASSWORD');", "$key = $_ENV['STRIPE_KEY'];")),
    N("shell", L("export AWS_SECRET_ACCESS_KEY=$(vault kv get -field=secret aws/prod)",
                 'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/user')),
    N("shell", L("read -rs PASSWORD", 'mysql -u root -p"$PASSWORD" shop')),
    N("yaml", L("env:", "  - name: DB_PASSWORD", "    valueFrom:", "      secretKeyRef:", "        name: db",
                "        key: password")),
    N("yaml", L("steps:", "  - run: deploy", "    env:", "      TOKEN: ${{ secrets.DEPLOY_TOKEN }}")),
    N("dockerfile", L("FROM python:3.12", "RUN --mount=type=secret,id=pip_token pip install -r requirements.txt")),
    N("terraform", L('data "aws_secretsmanager_secret_version" "db" {', '  secret_id = "prod/db"', "}",
                     "password = jsondecode(data.aws_secretsmanager_secret_version.db.secret_string)[\"password\"]")),
    N("csharp", L('var password = Environment.GetEnvironmentVariable("DB_PASSWORD");')),
    N("kotlin", L('val token = System.getenv("SLACK_TOKEN") ?: error("SLACK_TOKEN is not set")')),
    # --- names, not values
    N("python", L('PASSWORD_FIELD = "password"', 'TOKEN_HEADER = "X-Auth-Token"', "secret_name = 'prod/db-password'")),
    N("javascript", L("<input type=\"password\" name=\"password\" autocomplete=\"current-password\" />")),
    N("json", L("{", '  "passwordMinLength": 12,', '  "tokenTtlSeconds": 3600,', '  "passwordField": "password"', "}")),
    N("python", L("password = form.cleaned_data['password']", "user.set_password(password)")),
    N("go", L('const passwordKey = "password"', 'const tokenHeader = "Authorization"')),
    # --- hashes, ids, encodings
    N("python", L(f'EMPTY_SHA256 = "{SHA256_EMPTY}"')),
    N("python", L(f'PASSWORD_HASH = "{BCRYPT}"', "assert bcrypt.checkpw(b'x', PASSWORD_HASH.encode()) is False")),
    N("yaml", L("- name: download", "  get_url:", "    url: https://example.org/tool.tar.gz",
                f"    checksum: sha256:{fake(64, HEX, 'chk')}")),
    N("json", L("{", '  "node_modules/left-pad": {', '    "version": "1.3.0",',
                f'    "integrity": "sha512-{fake(86, B64, "lock")}=="', "  }", "}")),
    N("javascript", L(f"const id = '{UUID}';")),
    N("python", L(f'REQUEST_ID = "{UUID}"', f'commit = "{fake(40, HEX, "git")}"')),
    N("go", L(f'const traceID = "{hexs("trace", 32)}"')),
    N("javascript", L(f"const pixel = 'data:image/png;base64,{PNG_B64}';")),
    N("python", L(f'LOGO = "data:image/png;base64,{PNG_B64}"')),
    N("html", L(f'<link rel="stylesheet" href="https://cdn.example.org/bootstrap.min.css" integrity="{SRI}" '
                'crossorigin="anonymous">')),
    N("shell", L(f"echo '{SHA256_EMPTY}  app.tar.gz' | sha256sum -c -")),
    N("dockerfile", L("FROM python:3.12-slim@sha256:" + fake(64, HEX, "digest"), "COPY . /app")),
    N("terraform", L('resource "aws_instance" "web" {', '  ami           = "ami-0c55b159cbfafe1f0"',
                     '  instance_type = "t3.micro"', "}")),
    N("ruby", L(f"ETAG = '{hexs('etag', 32)}'")),
    N("php", L("<?php", f"$uuid = '{UUID}';")),
    N("java", L(f'private static final long serialVersionUID = 7526472295622776147L;')),
    N("csharp", L('[Guid("3F2B8C1E-9A4D-4E7B-B2C5-7D1E0F6A9B34")]', "public class Plugin {}")),
    # --- prose, versions, everyday strings
    N("markdown", L("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor",
                    "incididunt ut labore et dolore magna aliqua. The password reset link expires in an hour.")),
    N("json", L("{", '  "name": "shop-web",', '  "version": "2.14.0-rc.1",', '  "dependencies": { "react": "^18.3.1" }', "}")),
    N("python", L('__version__ = "3.2.1.post4"', 'USER_AGENT = "qldrops/3.2.1 (+https://example.org)"')),
    N("yaml", L("image: ghcr.io/acme/api:v1.27.3-alpine", "replicas: 3")),
    N("javascript", L("const WELCOME = 'Welcome back! Forgot your password? Reset it from the login page.';")),
    N("go", L('log.Printf("token refreshed for user %s", user)')),
    N("java", L('throw new IllegalArgumentException("password must not be null");')),
    N("ruby", L("flash[:alert] = 'Invalid email or password.'")),
    N("shell", L('echo "Enter the admin password when asked"')),
    N("ini", L("[server]", "port = 8080", "secret_file = /run/secrets/app_secret", "token_ttl = 3600")),
    N("env", L("NODE_ENV=production", "PORT=3000", "LOG_LEVEL=info")),
    N("python", L('class Config:', '    SESSION_COOKIE_NAME = "session"', '    TOKEN_ALGORITHM = "HS256"')),
    N("typescript", L("export enum TokenKind { Access = 'access_token', Refresh = 'refresh_token' }")),
    N("kotlin", L('val keyAlias = "release-key"', 'val storeType = "PKCS12"')),
    N("terraform", L('output "db_password" {', "  value     = aws_db_instance.main.password", "  sensitive = true", "}")),
    N("python", L('css_class = "btn-primary-3f9a2c1b"', 'bundle = "main.7d1e0f6a9b34c5d2.js"')),
    N("javascript", L("const api = axios.create({ baseURL: 'https://api.example.org/v2', timeout: 5000 });")),
]

SNIPPETS: list[Snippet] = POSITIVES + NEGATIVES
