"""Identity and access: workspaces, users, roles, hashed tokens, require(), audit trail."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

import qldrops
from qldrops.errors import AccessDenied, ConfigurationError, Conflict, NotFound, ValidationError
from qldrops.previews.auth import ACTIONS, Principal, authenticate, require
from qldrops.store import schema as t


def _audit(store):
    with store.engine.connect() as c:
        return c.execute(sa.select(t.audit_log).order_by(t.audit_log.c.id)).mappings().all()


def test_tokens_are_stored_hashed_and_shown_once(store, world):
    tok = world.tokens["alice"]
    assert tok.startswith("qld_") and len(tok) == 47
    with store.engine.connect() as c:
        rows = c.execute(sa.select(t.api_tokens)).mappings().all()
    assert hashlib.sha256(tok.encode()).hexdigest() in {r["token_hash"] for r in rows}
    assert all(tok not in str(v) for r in rows for v in r.values() if v is not None)
    listed = store.tokens.list(workspace="acme").to_frame()
    assert set(listed["user"]) == {"alice", "victor", "ada"} and "token_hash" not in listed.columns
    assert tok[:12] in set(listed["prefix"])


def test_connect_with_a_token_binds_workspace_and_role(store, world, settings_for):
    s = qldrops.connect(store.url, token=world.tokens["alice"], settings=settings_for())
    try:
        assert s.workspace == "acme"
        assert s.principal == Principal(kind="user", workspace="acme", role="editor", name="alice",
                                        user_id=world.users["alice"].id, token_id=s.principal.token_id)
        assert {d.id for d in s.list(workflow_id="wf-42")} == {world.drops["a1"].id, world.drops["a2"].id}
    finally:
        s.close()


def test_a_token_of_another_workspace_is_refused(store, world):
    bob = world.stores["bob"]  # editor in beta
    acme_preview = world.stores["alice"].previews.create(workflow_id="wf-42", ttl="1h")
    with pytest.raises(AccessDenied) as e:
        bob.previews.list(workspace="acme")
    assert "beta" in e.value.message and "acme" in e.value.hint
    with pytest.raises(AccessDenied):
        bob.previews.create(workflow_id="wf-42", ttl="1h", workspace="acme")
    with pytest.raises(AccessDenied):
        bob.analytics.summary(workspace="acme")
    with pytest.raises(AccessDenied):
        bob.users.list(workspace="acme")
    for call in (lambda: bob.previews.get(acme_preview.id), lambda: bob.previews.revoke(acme_preview.id),
                 lambda: bob.previews.extend(acme_preview.id, "1h"), lambda: bob.get(world.drops["a1"].id),
                 lambda: bob.users.get("alice", workspace="acme"),
                 lambda: bob.events.record(acme_preview.id, "download")):
        with pytest.raises((NotFound, AccessDenied)):
            call()
    assert store.previews.get(acme_preview.id).status == "active"
    assert [d.workspace for d in bob.list()] == ["beta"]
    denials = [r for r in _audit(store) if not r["allowed"]]
    assert denials and {r["actor"] for r in denials} == {"bob"}


def test_roles(store, world):
    victor, alice, ada = (world.stores[n] for n in ("victor", "alice", "ada"))
    assert victor.previews.list().to_frame().empty  # viewers may list
    with pytest.raises(AccessDenied) as e:
        victor.previews.create(workflow_id="wf-42", ttl="1h")
    assert "editor" in e.value.message and "qldrops user role victor editor" in e.value.hint
    with pytest.raises(AccessDenied):
        victor.put(workflow_id="wf-42", drop_type="code_generation", artifact="x = 1")
    with pytest.raises(AccessDenied):
        alice.users.create("mallory", role="admin")
    with pytest.raises(AccessDenied):
        alice.tokens.issue(world.users["victor"])
    alice.tokens.issue(world.users["alice"])  # a token for oneself is fine
    new = ada.users.create("carol", role="viewer")
    assert new.workspace == "acme"
    with pytest.raises(AccessDenied, match="only a local connection"):
        ada.workspaces.create("gamma")
    assert [w.id for w in ada.workspaces.list()] == ["acme"]
    assert ada.users.set_role("carol", "editor").role == "editor"


def test_revoked_expired_disabled_and_malformed_tokens(store, world, open_as):
    s = store
    tok = s.tokens.issue(world.users["alice"], ttl="1h")
    assert authenticate(s, tok).name == "alice"
    world.clock.advance(hours=1)
    with pytest.raises(AccessDenied, match="expired"):
        authenticate(s, tok)
    s.tokens.revoke(world.tokens["victor"])
    with pytest.raises(AccessDenied, match="revoked"):
        open_as(world.tokens["victor"])
    s.users.disable("ada", workspace="acme")
    with pytest.raises(AccessDenied, match="disabled"):
        authenticate(s, world.tokens["ada"])
    for bad in ("", "qld_", "qld_" + "A" * 43, world.tokens["alice"][:-1], "Bearer " + world.tokens["alice"],
                None, 5):
        with pytest.raises(AccessDenied):
            authenticate(s, bad)
    assert authenticate(s, world.tokens["alice"]).role == "editor"
    assert [r["target"] for r in _audit(s) if r["action"] == "authenticate"] != []


def test_validation_and_conflicts(store, world):
    with pytest.raises(Conflict):
        store.workspaces.create("acme")
    with pytest.raises(Conflict):
        store.users.create("alice", workspace="acme")
    for bad in ("", "Acme", "a b", "x" * 65, "../etc"):
        with pytest.raises(ValidationError):
            store.workspaces.create(bad)
    with pytest.raises(ValidationError):
        store.users.create("eve", workspace="acme", role="root")
    with pytest.raises(ValidationError):
        store.users.create("", workspace="acme")
    with pytest.raises(NotFound):
        store.users.create("eve", workspace="nowhere")
    with pytest.raises(ValidationError):
        store.tokens.revoke("not-a-token")
    with pytest.raises(NotFound):
        store.tokens.revoke(10**9)
    assert [u.name for u in store.users.list(workspace="acme")] == ["alice", "victor", "ada"]


def test_require_helper_for_other_packages():
    local = Principal.local("acme")
    require(local, "purge", "beta")  # the local process is trusted everywhere
    editor = Principal(kind="user", workspace="acme", role="editor", name="e")
    require(editor, "execute", "acme")
    with pytest.raises(AccessDenied):
        require(editor, "purge", "acme")
    with pytest.raises(AccessDenied):
        require(editor, "read", "beta")
    with pytest.raises(AccessDenied):
        require(editor, "read", None)
    link = Principal.link(workspace="acme", preview_id=1, workflow_id="wf")
    require(link, "read", "acme")
    for action in ("write", "execute", "preview.create", "analytics.read"):
        with pytest.raises(AccessDenied, match="only lets you view"):
            require(link, action, "acme")
    with pytest.raises(ConfigurationError):
        require(local, "frobnicate", "acme")
    assert {"read", "write", "admin", "execute"} <= set(ACTIONS)
    assert editor.can("write", "acme") and not editor.can("write", "beta")


def test_audit_trail(store, world):
    alice = world.stores["alice"]
    p = alice.previews.create(workflow_id="wf-42", ttl="1h")
    alice.previews.revoke(p.id)
    with pytest.raises(AccessDenied):
        world.stores["victor"].previews.create(workflow_id="wf-42", ttl="1h")
    rows = _audit(store)
    got = [(r["actor"], r["action"], r["workspace"], r["allowed"]) for r in rows]
    assert ("alice", "preview.create", "acme", True) in got
    assert ("alice", "preview.revoke", "acme", True) in got
    assert ("victor", "preview.create", "acme", False) in got
    assert ("local", "token.issue", "acme", True) in got
    assert all(r["created_at"] is not None for r in rows)
