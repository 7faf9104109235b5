"""Collaboration in the library (issue 12): link access levels, attributed saves with a three-way
merge, line comments that follow their lines, and watching changes as they commit.

Every test runs on SQLite and PostgreSQL (the ``store`` contract fixture).
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from support import version_in_flight

from qldrops import AccessDenied, Conflict, LinkRevoked, MergeConflict, ValidationError
from qldrops.store import schema as t

BASE = "".join(f"line {i}\n" for i in range(1, 11))  # 10 lines


@pytest.fixture
def drop(store):
    return store.put(workflow_id="wf-c", drop_type="code_generation", artifact=BASE,
                     metadata={"language": "python", "filename": "main.py"}, created_by="alice")


def _edit(text: str, line: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[line - 1] = new + "\n"
    return "".join(lines)


# ---------------------------------------------------------------- access levels
def test_links_carry_an_access_level_and_check_it(store, drop):
    view = store.previews.create("wf-c", ttl="2h", created_by="alice")
    edit = store.previews.create("wf-c", ttl="2h", access="edit", created_by="alice")
    comment = store.previews.create("wf-c", ttl="2h", access="comment", created_by="alice")
    assert (view.access, edit.access, comment.access) == ("view", "edit", "comment")
    assert store.previews.get(edit.id).access == "edit"
    assert {p.id: p.access for p in store.previews.list()} == {view.id: "view", edit.id: "edit",
                                                                comment.id: "comment"}
    assert store.previews.check(edit.capability, need="edit").id == edit.id
    assert store.previews.check(comment.capability, need="comment").id == comment.id
    with pytest.raises(AccessDenied, match="only lets you view; editing needs an edit link"):
        store.previews.check(view.capability, need="edit")
    with pytest.raises(AccessDenied, match="commenting needs a comment link"):
        store.previews.check(view.capability, need="comment")
    with pytest.raises(ValidationError, match="unknown access"):
        store.previews.create("wf-c", access="admin")
    with pytest.raises(ValidationError, match="read only"):
        store.previews.create(dashboard="analytics", access="edit")


def test_a_view_link_cannot_save_or_comment(store, drop):
    v = store.previews.open(store.previews.create("wf-c").capability, display_name="Ada")
    assert not v.can("edit") and not v.can("comment") and v.can("view")
    with pytest.raises(AccessDenied):
        v.save(drop.id, BASE + "more\n", base_version=1)
    with pytest.raises(AccessDenied):
        v.comment(drop.id, "hi", line_start=1)
    assert store.get(drop.id).version == 1 and list(store.comments()) == []


# ---------------------------------------------------------------- saving and attribution
def test_an_edit_link_saves_an_attributed_version(store, drop):
    p = store.previews.create("wf-c", ttl="2h", access="edit", created_by="alice")
    v = store.previews.open(p.capability)
    with pytest.raises(ValidationError, match="type a display name first"):
        v.save(drop.id, _edit(BASE, 2, "two"), base_version=1)
    v.set_name("  Ada  ")
    assert v.attribution == f"Ada (via link {p.id}, shared by alice)"
    saved = v.save(drop.id, _edit(BASE, 2, "two"), base_version=1, contributors=["Bob"])
    assert saved.version == 2 and saved.artifact == _edit(BASE, 2, "two")
    last = store.history(drop.id)[-1]
    assert last.created_by == v.attribution and last.contributors == ["Ada", "Bob"]
    assert last.message == f"edited via link {p.id}"
    edits = store.events.list(event_type="edit")
    assert len(edits) == 1 and edits[0].actor == v.attribution and edits[0].metadata["version"] == 2
    with store.reading() as conn:
        audit = conn.execute(sa.select(t.audit_log).where(t.audit_log.c.action == "drop.save")).one()
    assert audit.actor == v.attribution and audit.detail["version"] == 2
    # Unchanged text writes nothing.
    assert v.save(drop.id, saved.artifact, base_version=2).version == 2
    assert len(store.history(drop.id)) == 2


def test_a_stale_save_merges_three_ways(store, drop):
    store.update(drop.id, artifact=_edit(BASE, 8, "eight by a script"))  # v2, underneath the editor
    merged = store.save(drop.id, _edit(BASE, 2, "two by Ada"), base_version=1, contributors=["Ada"],
                        created_by="Ada")
    assert merged.version == 3
    assert merged.artifact == _edit(_edit(BASE, 8, "eight by a script"), 2, "two by Ada")
    v = store.history(drop.id)[-1]
    assert "merged with v2" in v.message and v.contributors == ["Ada"] and v.created_by == "Ada"


def test_overlapping_edits_raise_a_conflict_with_the_marked_text(store, drop):
    store.update(drop.id, artifact=_edit(BASE, 5, "five by a script"))
    with pytest.raises(MergeConflict) as err:
        store.save(drop.id, _edit(BASE, 5, "five by Ada"), base_version=1)
    e = err.value
    assert isinstance(e, Conflict) and e.http_status == 409
    assert (e.base_version, e.current_version) == (1, 2)
    assert "<<<<<<<" in e.conflict_text and "five by a script" in e.conflict_text and \
        "five by Ada" in e.conflict_text and ">>>>>>>" in e.conflict_text
    assert store.get(drop.id).version == 2  # nothing written
    # Resolving against the current version saves.
    assert store.save(drop.id, _edit(BASE, 5, "five by both"), base_version=2).version == 3


def test_a_save_over_the_size_limit_writes_nothing(store, drop):
    p = store.previews.create("wf-c", access="edit", created_by="alice")
    v = store.previews.open(p.capability, display_name="Ada")
    big = "x" * (store.settings.max_artifact_bytes + 1)
    with pytest.raises(ValidationError, match="over the limit"):
        v.save(drop.id, big, base_version=1)
    assert store.get(drop.id).version == 1 and store.events.list(event_type="edit") == []


def test_a_revoked_edit_link_refuses_the_next_save(store, drop):
    p = store.previews.create("wf-c", access="edit", created_by="alice")
    v = store.previews.open(p.capability, display_name="Ada")
    assert v.save(drop.id, _edit(BASE, 1, "one"), base_version=1).version == 2
    store.previews.revoke(p.id)
    assert not v.can("edit")
    with pytest.raises(LinkRevoked):
        v.save(drop.id, _edit(BASE, 1, "uno"), base_version=2)
    with pytest.raises(LinkRevoked):
        v.comment(drop.id, "still here?", line_start=1)
    assert store.get(drop.id).version == 2


def test_save_refuses_bad_input(store, drop):
    with pytest.raises(ValidationError, match="base_version"):
        store.save(drop.id, "x", base_version=0)
    with pytest.raises(ValidationError, match="no version 9"):
        store.save(drop.id, "x", base_version=9)
    with pytest.raises(ValidationError, match="contributors"):
        store.save(drop.id, "x", base_version=1, contributors="Ada")
    assert store.get(drop.id).version == 1


# ---------------------------------------------------------------- comments
def test_comments_are_plain_text_threaded_and_resolvable(store, drop):
    p = store.previews.create("wf-c", access="comment", created_by="alice")
    v = store.previews.open(p.capability, display_name="Eve")
    html = "<script>alert('x')</script> <b>bold</b> & more"
    c = v.comment(drop.id, html, line_start=3, line_end=4)
    assert c.body == html and c.author == f"Eve (via link {p.id}, shared by alice)"
    assert (c.version, c.line_start, c.line_end, c.file, c.preview_id) == (1, 3, 4, "main.py", p.id)
    reply = store.comment(drop.id, "agreed", reply_to=c.id, author="alice")
    assert reply.reply_to == c.id and (reply.line_start, reply.line_end) == (3, 4)
    resolved = v.resolve_comment(c.id)
    assert resolved.resolved and resolved.resolved_by == v.attribution
    listed = v.comments(drop.id)
    assert [x.id for x in listed] == [c.id, reply.id] and listed[0].body == html
    assert [x.id for x in store.comments("wf-c", include_resolved=False)] == [reply.id]
    frame = store.comments(drop_id=drop.id).to_frame()
    assert list(frame["body"]) == [html, "agreed"] and bool(frame["resolved"].iloc[0])
    assert len(store.events.list(event_type="comment")) == 3  # new, reply, resolved
    with pytest.raises(ValidationError, match="needs some text"):
        store.comment(drop.id, "   ", line_start=1)
    with pytest.raises(ValidationError, match="line 11 does not exist"):
        store.comment(drop.id, "past the end", line_start=11)
    with pytest.raises(ValidationError, match="line_start"):
        store.comment(drop.id, "no line")


def test_comments_follow_their_lines_or_become_outdated(store, drop):
    keep = store.comment(drop.id, "about line 6", line_start=6, line_end=7)
    gone = store.comment(drop.id, "about line 3", line_start=3)
    # v2: two lines inserted at the top and line 3 edited.
    v2 = "new a\nnew b\n" + _edit(BASE, 3, "line three")
    store.update(drop.id, artifact=v2)
    by_id = {c.id: c for c in store.comments(drop_id=drop.id)}
    assert (by_id[keep.id].version, by_id[keep.id].line_start, by_id[keep.id].line_end) == (2, 8, 9)
    assert v2.splitlines()[7] == "line 6"
    assert by_id[gone.id].outdated and by_id[gone.id].version == 1 and by_id[gone.id].line_start == 3
    # A save (merge path) moves them too; a comment made on an old version is brought forward.
    store.save(drop.id, v2 + "tail\n", base_version=2)
    late = store.comment(drop.id, "on v1 line 9", line_start=9, version=1)
    by_id = {c.id: c for c in store.comments(drop_id=drop.id)}
    assert (by_id[keep.id].version, by_id[keep.id].line_start) == (3, 8)
    assert (late.version, late.line_start, late.created_version) == (3, 11, 1)
    assert [c.id for c in store.comments(drop_id=drop.id, include_outdated=False)] == [keep.id, late.id]


def test_a_thousand_comments_page_by_id(store, drop):
    with store.transaction() as conn:
        conn.execute(t.comments.insert(), [
            {"workspace": store.workspace, "workflow_id": "wf-c", "drop_id": drop.id, "file": "main.py",
             "version": 1, "created_version": 1, "line_start": 1 + i % 10, "line_end": 1 + i % 10,
             "body": f"c{i}", "author": "bot", "outdated": False, "created_at": store.now()}
            for i in range(1000)])
    seen, after = [], None
    while True:
        page = store.comments(drop_id=drop.id, limit=300, after_id=after)
        if not page:
            break
        seen += [c.body for c in page]
        after = page[-1].id
    assert seen == [f"c{i}" for i in range(1000)]
    with pytest.raises(ValidationError, match="limit"):
        store.comments(limit=5000)
    # An update maps all of them in the writing transaction.
    store.update(drop.id, artifact="top\n" + BASE)
    assert {c.line_start for c in store.comments(drop_id=drop.id, limit=1000)} == set(range(2, 12))


# ---------------------------------------------------------------- watch
def test_watch_sees_changes_from_another_connection(store, drop, db_url, make_store):
    other = make_store(db_url)
    got: list = []
    ready = threading.Event()

    def writer():
        ready.wait(10)
        time.sleep(0.3)
        other.update(drop.id, artifact=_edit(BASE, 1, "one"))
        other.comment(drop.id, "look", line_start=1)
        d2 = other.put(workflow_id="wf-c", drop_type="code_generation", artifact="x = 1\n")
        other.put(workflow_id="elsewhere", drop_type="code_generation", artifact="y = 2\n")
        other.delete(d2.id)
        other.restore(d2.id)

    th = threading.Thread(target=writer)
    th.start()
    gen = store.watch("wf-c", timeout=30)
    ready.set()
    for ch in gen:
        got.append(ch)
        if len(got) == 5:
            break
    gen.close()
    th.join(10)
    assert [c.kind for c in got] == ["version", "comment", "drop", "delete", "restore"]
    assert got[0].drop_id == drop.id and got[0].version == 2 and got[1].comment_id is not None
    assert all(c.workflow_id == "wf-c" for c in got)
    # Resuming from a cursor replays what followed it; since=0 replays everything.
    again = list(store.watch("wf-c", since=got[2].cursor, timeout=0.5))
    assert [c.kind for c in again] == ["delete", "restore"]
    assert [c.kind for c in store.watch("wf-c", since=0, timeout=0.2)][:2] == ["drop", "version"]


def test_watch_stops_cleanly_and_follows_a_link(store, drop):
    stop = threading.Event()
    stop.set()
    assert list(store.watch(stop=stop, timeout=5)) == []
    p = store.previews.create("wf-c", access="edit", created_by="alice")
    v = store.previews.open(p.capability, display_name="Ada")
    gen = v.watch(timeout=10)
    v.save(drop.id, _edit(BASE, 4, "four"), base_version=1)
    first = next(gen)
    assert (first.kind, first.version) == ("version", 2)
    store.previews.revoke(p.id)
    with pytest.raises(LinkRevoked):
        next(gen)
    with pytest.raises(ValidationError):
        list(store.watch(since=-1))


def test_a_position_holds_what_its_snapshot_held():
    from qldrops.store.watch import Position

    p = Position.of(20, "100:105:100,103")
    assert p.holds(20, 99) and p.holds(5, 101) and p.holds(7, 104)  # committed before the snapshot
    assert not p.holds(21, 99)  # after its newest change
    assert not p.holds(12, 100) and not p.holds(12, 103)  # in flight at the snapshot: a lower seq, still owed
    assert not p.holds(12, 105) and not p.holds(12, 200)  # not begun at the snapshot
    assert Position.of(20, None).holds(20, None) and not Position(3).holds(4, None)  # SQLite: the seq says it
    both = p.meet(Position.of(25, "98:102:98"))
    assert both.seq == 20 and (both.xmin, both.xmax) == (98, 102) and both.xip == {98, 100}
    for seq, txid in [(10, 97), (10, 98), (10, 99), (10, 100), (10, 101), (10, 102), (21, 90)]:
        assert both.holds(seq, txid) == (p.holds(seq, txid) and Position.of(25, "98:102:98").holds(seq, txid))
    assert Position(7).meet(p) == Position(7, 100, 105, frozenset({100, 103}))


@pytest.mark.postgres
def test_a_watch_from_a_position_owes_a_change_then_in_flight_and_nothing_it_held(pg_store, pg_url, make_store):
    """PostgreSQL numbers changes when they are written, not when they commit: writer A takes seq n, B
    takes n+1 and commits, a page reads the log (it sees B, not A), then A commits. A watch from the
    page's position yields A and not B; from its bare cursor, A is lost (why positions exist)."""
    from qldrops.store.watch import position

    store, other = pg_store, make_store(pg_url)
    x = store.put(workflow_id="wf-p", drop_type="code_generation", artifact="x = 1\n")
    content = store.put(workflow_id="zz", drop_type="code_generation", artifact="x = 2\n").content_hash
    with version_in_flight(store, x.id, content):  # writer A
        b = other.put(workflow_id="wf-p", drop_type="code_generation", artifact="b = 1\n")
        with other.reading() as conn:
            drawn = position(conn)
        live = store.watch("wf-p", timeout=60)  # "from now": A still in flight, B already committed
    first = next(live)
    live.close()
    assert (first.drop_id, first.kind, first.version) == (x.id, "version", 2)  # A, not B
    assert [(c.drop_id, c.version) for c in other.watch("wf-p", since=drawn, timeout=1.0)] == [(x.id, 2)]
    assert drawn.seq > first.seq  # A's seq is below what the page saw ...
    assert list(other.watch("wf-p", since=drawn.seq, timeout=1.0)) == []  # ... so a bare cursor skips it
    assert b.id != x.id


@pytest.mark.postgres
def test_a_watch_resumed_from_a_change_position_gets_what_committed_late(pg_store, pg_url, make_store):
    store, other = pg_store, make_store(pg_url)
    x = store.put(workflow_id="wf-r", drop_type="code_generation", artifact="x = 1\n")
    content = store.put(workflow_id="zz", drop_type="code_generation", artifact="x = 2\n").content_hash
    gen = other.watch("wf-r", timeout=60)
    with version_in_flight(store, x.id, content):  # writer A
        b = other.put(workflow_id="wf-r", drop_type="code_generation", artifact="b = 1\n")
        seen_b = next(gen)  # B, read while A was in flight
        gen.close()
    assert (seen_b.drop_id, seen_b.kind) == (b.id, "drop") and seen_b.position is not None
    resumed = list(other.watch("wf-r", since=seen_b.position, timeout=1.0))
    assert [(c.drop_id, c.version) for c in resumed] == [(x.id, 2)]
    assert list(other.watch("wf-r", since=seen_b.cursor, timeout=1.0)) == []
    assert "position" not in seen_b.to_dict() and seen_b.to_dict()["txid"] == seen_b.txid


# ---------------------------------------------------------------- analytics
def test_collaboration_figures(store, drop):
    import datetime as dt

    now = [dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.UTC)]

    def tick():
        now[0] += dt.timedelta(seconds=30)
        return now[0]

    store.clock = tick
    p = store.previews.create("wf-c", access="edit", created_by="alice")
    ada = store.previews.open(p.capability, display_name="Ada")
    bob = store.previews.open(p.capability, display_name="Bob")
    ada.save(drop.id, _edit(BASE, 1, "one"), base_version=1)
    bob.comment(drop.id, "nice", line_start=1)
    solo = store.previews.create("wf-c", access="view", created_by="alice")
    store.previews.open(solo.capability, display_name="Cy")
    figs = store.analytics.collaboration(since="30d")
    day = dt.date(2026, 2, 2)
    assert figs["sessions_per_day"].to_dict("records") == [{"day": day, "sessions": 2, "multi_user_sessions": 1}]
    sessions = figs["edits_per_session"].set_index("preview_id")
    assert sessions.loc[p.id, ["visitors", "edits", "comments"]].tolist() == [2, 1, 1]
    conv = figs["conversion"].set_index("preview_id")
    assert conv.loc[p.id, "conversion"] == 0.5 and conv.loc[solo.id, "conversion"] == 0.0
    first = figs["share_to_first_edit"]
    assert first["preview_id"].tolist() == [p.id] and first["seconds"].iloc[0] > 0


def test_merge_and_line_mapping_edge_cases():
    from qldrops.store.merge import map_lines, merge

    # A conflict on a last line without a newline keeps every marker on its own line.
    r = merge("a\nb\nc", "a\nb\nC1", "a\nb\nC2")
    assert r.conflicts == 1 and r.text.splitlines()[2] == "<<<<<<< current" and "C1\n" in r.text and \
        "C2\n" in r.text and r.text.splitlines()[-1].startswith(">>>>>>>")
    # Both sides making the same edit is no conflict; an edit on one side only wins.
    assert merge("a\nb\n", "a\nB\n", "a\nB\n") == merge("a\nb\n", "a\nb\n", "a\nB\n")
    assert merge("a\nb\n", "a\nB\n", "a\nB\n").conflicts == 0
    assert map_lines("x\ny\nz\n", "w\nx\ny\nz\n", 2, 3) == (3, 4)
    assert map_lines("x\ny\nz\n", "x\nY\nz\n", 1, 2) is None
    assert map_lines("", "a\n", 1, 1) is None and map_lines("a\n", "a\n", 0, 1) is None


def test_watch_sees_a_write_from_another_process(store, drop, db_url):
    import os
    import subprocess
    import sys

    gen = store.watch("wf-c", timeout=120)
    code = (f"import qldrops; s = qldrops.connect({db_url!r}); "
            f"s.save({drop.id}, {_edit(BASE, 9, 'nine from a batch script')!r}, base_version=1, "
            "contributors=['batch']); s.close()")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    ch = next(gen)
    gen.close()
    assert (ch.kind, ch.drop_id, ch.version) == ("version", drop.id, 2)
    assert store.history(drop.id)[-1].contributors == ["batch"]


@pytest.mark.sandbox
def test_watch_sees_a_finished_run(store, drop):
    code = store.put(workflow_id="wf-c", drop_type="code_generation", artifact="print('hi')\n",
                     metadata={"filename": "hi.py"})
    gen = store.watch("wf-c", timeout=60)
    result = store.run(code.id, project=False)
    ch = next(gen)
    gen.close()
    assert (ch.kind, ch.drop_id, ch.execution_id) == ("run", code.id, result.execution_id)
