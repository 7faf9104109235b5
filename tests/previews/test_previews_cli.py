"""The sharing CLI: each command is one library call on the store from the context."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from qldrops.errors import QldropsError
from qldrops.cli.sharing import COMMANDS


@pytest.fixture
def cli(sqlite_store):
    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.obj = {"store": sqlite_store}

    for cmd in COMMANDS:
        root.add_command(cmd)

    def run(*args):
        result = CliRunner().invoke(root, list(args), catch_exceptions=True)
        return result

    return run


def test_cli_round_trip(cli, sqlite_store):
    assert cli("workspace", "create", "acme").exit_code == 0
    assert "acme" in cli("workspace", "list").output
    assert cli("user", "create", "alice", "--role", "editor", "-w", "acme").exit_code == 0
    assert "alice" in cli("user", "list", "-w", "acme").output
    r = cli("token", "issue", "alice", "-w", "acme")
    token = r.output.splitlines()[0]
    assert token.startswith("qld_") and r.exit_code == 0
    assert token[:12] in cli("token", "list", "-w", "acme").output
    sqlite_store.workspace = "acme"
    sqlite_store.put(workflow_id="wf-42", drop_type="code_generation", artifact="x = 1")
    r = cli("preview", "create", "wf-42", "--ttl", "2h", "-w", "acme")
    assert r.exit_code == 0 and "/p/" in r.output
    cap = r.output.splitlines()[0].rsplit("/", 1)[1]
    assert cap not in cli("preview", "list", "-w", "acme").output
    pid = sqlite_store.previews.check(cap).id
    assert "expires" in cli("preview", "extend", str(pid), "30m").output
    sqlite_store.previews.open(cap, client="1.2.3.4")
    out = json.loads(cli("analytics", "--json", "-w", "acme").output)
    assert out["totals"][0]["views"] == 1
    assert "views per day" in cli("analytics", "-w", "acme").output
    assert cli("preview", "revoke", str(pid)).exit_code == 0
    assert cli("token", "revoke", "1").exit_code == 0


def test_cli_errors_are_qldrops_errors(cli):
    r = cli("preview", "create", "wf-x", "--ttl", "forever")
    assert r.exit_code != 0 and isinstance(r.exception, QldropsError)
    r = cli("user", "create", "bob", "--role", "god")
    assert r.exit_code == 2  # click refuses the choice
