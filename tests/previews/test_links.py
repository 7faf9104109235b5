"""Share links: creation, hashing, expiry, counting, revoke/extend, hostile capabilities."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets

import pytest
import sqlalchemy as sa

import qldrops
from qldrops.errors import LinkExpired, LinkRevoked, NotFound, ValidationError
from qldrops.previews.capability import _decodes, is_well_formed, new_capability
from qldrops.store import schema as t


def _rows(store, table):
    with store.engine.connect() as c:
        return c.execute(sa.select(table)).mappings().all()


def test_create_gives_a_url_once_and_stores_only_the_hash(store, world):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", ttl="60m", created_by=world.users["alice"])
    assert p.url == store.settings.base_url + "/p/" + p.capability
    assert is_well_formed(p.capability) and len(p.capability) == 43
    assert p.expires_at == world.clock.now + dt.timedelta(minutes=60)
    assert (p.workspace, p.created_by, p.status) == ("acme", "alice", "active")
    (row,) = _rows(store, t.previews)
    assert row["token_hash"] == hashlib.sha256(p.capability.encode()).hexdigest()
    assert all(p.capability not in str(v) for v in row.values())
    assert p.capability not in repr(p) and p.capability not in str(p.to_dict())
    # Listing never shows the secret again.
    listed = store.previews.list(workspace="acme")[0]
    assert listed.capability is None and listed.url is None


@pytest.mark.parametrize("ttl, seconds", [("60m", 3600), ("2h", 7200), ("7d", 604800), ("1w", 604800),
                                          (90, 90), (dt.timedelta(hours=3), 10800), ("90d", 90 * 86400)])
def test_ttl_forms(store, world, ttl, seconds):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", ttl=ttl)
    assert p.expires_at - world.clock.now == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("ttl", [0, -5, "0m", "abc", "10 minutes", "91d", True, None, float("nan"),
                                 float("inf"), dt.timedelta(0), [60]])
def test_bad_ttl_is_refused_and_nothing_is_written(store, world, ttl):
    with pytest.raises(ValidationError) as e:
        world.stores["alice"].previews.create(workflow_id="wf-42", ttl=ttl)
    assert e.value.hint
    assert _rows(store, t.previews) == []


def test_sharing_nothing_is_refused(store, world):
    with pytest.raises(NotFound, match="nothing to share"):
        world.stores["alice"].previews.create(workflow_id="wf-missing", ttl="1h")
    with pytest.raises(NotFound):  # beta's workflow of the same name is not acme's
        world.stores["alice"].previews.create(workflow_id="wf-42", ttl="1h", drop_id=world.drops["b1"].id)
    with pytest.raises(ValidationError):
        world.stores["alice"].previews.create(workflow_id="", ttl="1h")
    assert _rows(store, t.previews) == []


def test_previews_survive_a_restart(store, world, settings_for):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", ttl="2h")
    store.close()
    again = qldrops.connect(store.url, settings=settings_for())
    try:
        again.clock = world.clock
        assert again.previews.check(p.capability).id == p.id
        assert [x.id for x in again.previews.list(workspace="acme")] == [p.id]
    finally:
        again.close()


def test_expires_on_time(store, world):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", ttl="60m")
    world.clock.advance(minutes=59, seconds=59)
    assert store.previews.check(p.capability).active
    world.clock.advance(seconds=1)
    with pytest.raises(LinkExpired) as e:
        store.previews.check(p.capability)
    assert e.value.http_status == 410 and "extend" in e.value.hint
    with pytest.raises(LinkExpired):
        store.previews.open(p.capability)
    assert store.previews.get(p.id).access_count == 0
    assert [x.id for x in store.previews.list(workspace="acme", active=False)] == [p.id]
    assert list(store.previews.list(workspace="acme", active=True)) == []


def test_open_counts_and_records_a_view_check_records_nothing(store, world):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", ttl="1h")
    store.previews.check(p.capability)
    assert store.previews.get(p.id).access_count == 0
    world.clock.advance(minutes=5)
    v = store.previews.open(p.capability, user_agent="Mozilla/5.0", client="203.0.113.9")
    world.clock.advance(minutes=1)
    store.previews.open(p.capability, user_agent="curl/8", client="198.51.100.1")
    got = store.previews.get(p.id)
    assert got.access_count == 2 and got.last_access_at == world.clock.now
    assert v.preview.access_count == 1
    views = [e for e in _rows(store, t.events) if e["event_type"] == "view"]
    assert [(e["user_agent"], e["client"], e["preview_id"], e["workflow_id"]) for e in views] == [
        ("Mozilla/5.0", "203.0.113.9", p.id, "wf-42"), ("curl/8", "198.51.100.1", p.id, "wf-42")]
    assert views[0]["viewer_id"] != views[1]["viewer_id"]


def test_revoke_and_extend(store, world):
    s = world.stores["alice"]
    p = s.previews.create(workflow_id="wf-42", ttl="1h")
    world.clock.advance(minutes=30)
    ext = s.previews.extend(p.id, "30m")
    assert ext.expires_at == p.expires_at + dt.timedelta(minutes=30)
    # An expired link extended from now comes back to life.
    world.clock.advance(hours=2)
    with pytest.raises(LinkExpired):
        store.previews.check(p.capability)
    back = s.previews.extend(p.id, "10m")
    assert back.expires_at == world.clock.now + dt.timedelta(minutes=10) and back.active
    # Never past 90 days from now.
    far = s.previews.extend(s.previews.extend(p.id, "90d").id, "90d")
    assert far.expires_at == world.clock.now + dt.timedelta(days=90)
    revoked = s.previews.revoke(p.id)
    assert revoked.status == "revoked" and revoked.revoked_at == world.clock.now
    world.clock.advance(minutes=1)
    assert s.previews.revoke(p.id).revoked_at == revoked.revoked_at  # idempotent
    for call in (store.previews.check, store.previews.open):
        with pytest.raises(LinkRevoked) as e:
            call(p.capability)
        assert e.value.http_status == 410
    with pytest.raises(LinkRevoked, match="cannot be extended"):
        s.previews.extend(p.id, "1h")
    with pytest.raises(ValidationError):
        s.previews.extend(p.id, "-1h")


def test_view_reads_only_its_workflow_and_stops_when_revoked(store, world):
    s = world.stores["alice"]
    p = s.previews.create(workflow_id="wf-42", ttl="1h")
    v = store.previews.open(p.capability)
    assert sorted(d.id for d in v.drops()) == sorted([world.drops["a1"].id, world.drops["a2"].id])
    assert {d.workspace for d in v.drops()} == {"acme"}
    assert v.get(world.drops["a1"].id).artifact == "print('acme one')"
    for other in (world.drops["a3"].id, world.drops["b1"].id, 10**9):
        with pytest.raises(NotFound):
            v.get(other)
    s.delete(world.drops["a2"].id)
    assert [d.id for d in v.drops()] == [world.drops["a1"].id]
    s.previews.revoke(p.id)
    with pytest.raises(LinkRevoked):
        v.drops()
    with pytest.raises(LinkRevoked):
        v.record("download")


def test_single_drop_link(store, world):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", drop_id=world.drops["a2"].id, ttl="1h")
    v = store.previews.open(p.capability)
    assert [d.id for d in v.drops()] == [world.drops["a2"].id]
    with pytest.raises(NotFound):
        v.get(world.drops["a1"].id)


def _bad_capabilities(good: str) -> list:
    return [
        "", "a", good[:-1], good[:20], good + "A", good + good, " " + good[1:], good[:-1] + "!",
        good[:-1] + "B",  # right length and alphabet, but not canonical base64 of 32 bytes
        "é" * 43, "../../etc/passwd", "%00" * 14 + "A", None, 42, b"bytes", ["list"], "\x00" * 43,
        good[:42] + "=", "x" * 10_000, good + "\n",
    ]


def test_malformed_truncated_and_random_capabilities_are_not_found(store, world):
    p = world.stores["alice"].previews.create(workflow_id="wf-42", ttl="1h")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        for bad in _bad_capabilities(p.capability):
            for call in (store.previews.check, store.previews.open):
                with pytest.raises(NotFound) as e:
                    call(bad)
                assert e.value.http_status == 404 and "ask its owner" in e.value.hint
        assert statements == []  # junk never reaches the database
        with pytest.raises(NotFound):
            store.previews.check(new_capability())  # well-formed but unknown: one hash lookup
        assert [s for s in statements if "token_hash" in s and "previews" in s] == statements[-1:]
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert store.previews.get(p.id).access_count == 0


def test_format_check_is_exact():
    for _ in range(2000):
        c = new_capability()
        assert is_well_formed(c) and _decodes(c)
    tail_changed = {c[:-1] + x for c in [new_capability()] for x in "ABCDFGHJ"}
    assert all(is_well_formed(c) == _decodes(c) for c in tail_changed)


def test_a_million_random_capabilities_find_nothing(store, world):
    """1M random candidates: junk fails the format check, well-formed ones miss the hash index.

    Efficient by design: the million go through the format check and SHA-256 in
    memory and are matched against every stored hash (what the unique index
    does); a sample of 10,000 well-formed random ones goes through the real
    ``previews.check`` database lookup.
    """
    s = world.stores["alice"]
    for _ in range(20):
        s.previews.create(workflow_id="wf-42", ttl="1h")
    with store.engine.connect() as c:
        stored = set(c.execute(sa.select(t.previews.c.token_hash)).scalars())
    assert len(stored) == 20
    # Junk: slices of one random string (any lengths, any characters); the rest: well-formed randoms.
    junk = os.urandom(12_000_000).decode("latin-1")
    cut = 0
    well_formed = hits = 0
    for i in range(1_000_000):
        if i % 2:
            cand = secrets.token_urlsafe(32)
        else:
            n = (i * 7919) % 61  # lengths 0..60, 43 included
            cand, cut = junk[cut:cut + n], (cut + n) % 11_000_000
        if is_well_formed(cand):
            well_formed += 1
            hits += hashlib.sha256(cand.encode()).hexdigest() in stored
    assert well_formed >= 500_000 and hits == 0
    for _ in range(10_000):
        with pytest.raises(NotFound):
            store.previews.check(secrets.token_urlsafe(32))
