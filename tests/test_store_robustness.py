"""Races, bad URLs, schema versions and migrations."""

from __future__ import annotations

import multiprocessing as mp
import os

import pytest
import sqlalchemy as sa

import qldrops
from qldrops import errors
from qldrops.settings import Settings
from qldrops.store import db, schema as t


def _racer(url, drop_id, who, barrier, results):
    store = qldrops.connect(url, settings=Settings(progress=False, embedding_model="fake"))
    barrier.wait()
    try:
        store.update(drop_id, artifact=f"written by {who}", expected_version=1)
        results.put((who, "won"))
    except errors.Conflict:
        results.put((who, "conflict"))
    except Exception as e:  # noqa: BLE001 - the test reports anything else as a failure
        results.put((who, f"unexpected {type(e).__name__}: {e}"))
    finally:
        store.close()


def test_two_processes_updating_one_drop_exactly_one_wins(store):
    d = store.put(workflow_id="wf", drop_type="documentation", artifact="v1")
    ctx = mp.get_context("spawn")
    for _round in range(2):
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_racer, args=(store.url, d.id, who, barrier, results)) for who in "ab"]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        outcome = sorted(results.get(timeout=5)[1] for _ in procs)
        assert outcome == ["conflict", "won"]
        cur = store.get(d.id)
        assert cur.version == 2 and cur.artifact in {"written by a", "written by b"}
        store.rollback(d.id, to_version=1)  # v3 == v1 ...
        d = store.put(workflow_id="wf", drop_type="documentation", artifact=f"v1 round {_round}")


def test_wrong_or_unreachable_url_is_a_clear_error_without_the_password():
    with pytest.raises(errors.DatabaseUnavailable) as e:
        qldrops.connect("postgresql+psycopg://alice:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(e.value) and "***" in str(e.value)
    assert "check that the server is running" in str(e.value)
    with pytest.raises(errors.ConfigurationError, match="not a database URL"):
        qldrops.connect("not a url at all")
    with pytest.raises(errors.ConfigurationError, match="supports SQLite and PostgreSQL"):
        qldrops.connect("mysql://root:pw@localhost/x")


@pytest.mark.postgres
def test_unknown_database_is_unavailable(pg_url):
    url = sa.make_url(pg_url).set(database="qldrops_does_not_exist", password="hunter2")
    with pytest.raises(errors.DatabaseUnavailable) as e:
        qldrops.connect(url.render_as_string(hide_password=False))
    assert "hunter2" not in str(e.value)


def test_schema_newer_than_the_code_is_refused(db_url, tmp_path):
    eng = sa.create_engine(db_url)
    with eng.begin() as c:
        c.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    try:
        with pytest.raises(errors.SchemaError, match="newer than this qldrops") as e:
            qldrops.connect(db_url)
        assert "nothing was changed" in str(e.value)
        with eng.connect() as c:
            assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "9999"
    finally:
        with eng.begin() as c:
            c.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{db.SCHEMA_HEAD}'")
        eng.dispose()


def test_migrations_match_the_schema_module(db_url):
    """Alembic's migrations create exactly the tables of qldrops.store.schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    eng = sa.create_engine(db_url)
    with eng.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), t.metadata)
    eng.dispose()
    # The FTS5 virtual table (SQLite) and GIN indexes (PostgreSQL) live outside the metadata on purpose.
    diff = [d for d in diff if not _is_raw_ddl(d)]
    assert diff == []


def _is_raw_ddl(d) -> bool:
    text = repr(d)
    return "drops_fts" in text or "ix_drops_search_tsv" in text or "ix_drops_metadata" in text


def test_schema_head_is_the_alembic_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(db.__file__), "migrations"))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == db.SCHEMA_HEAD
    assert {r.revision for r in script.walk_revisions()} == db.KNOWN_REVISIONS


def test_fresh_sqlite_file_migrates_itself_in_wal_mode(tmp_path):
    s = qldrops.connect(f"sqlite:///{tmp_path / 'new' / 'q.db'}")
    with s.reading() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert s.put(workflow_id="w", drop_type="documentation", artifact="x").id == 1
    s.close()


def test_default_connect_uses_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QLDROPS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QLDROPS_DATABASE_URL", raising=False)
    s = qldrops.connect()
    assert s.url == f"sqlite:///{tmp_path / 'qldrops.db'}"
    s.close()


def test_settings_from_env_are_typed(monkeypatch):
    monkeypatch.setenv("QLDROPS_COMPRESS_MIN_BYTES", "not-a-number")
    with pytest.raises(errors.ConfigurationError, match="QLDROPS_COMPRESS_MIN_BYTES"):
        Settings.from_env()


def test_relaxed_transactions_restore_full_sync_for_drops(sqlite_store):
    """Analytics commits may skip the flush; the connection goes back to synchronous=FULL after."""
    with sqlite_store.transaction(durable=False) as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    for _ in range(3):  # whichever pooled connection comes next is back at FULL
        with sqlite_store.transaction() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_a_database_at_an_older_revision_is_upgraded_in_place(tmp_path):
    """0001 -> head keeps every row (the embedded default migrates itself on first use)."""
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = db.make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(db.__file__), "migrations"))
    with eng.begin() as c:
        cfg.attributes["connection"] = c
        command.upgrade(cfg, "0001")
        c.exec_driver_sql("INSERT INTO previews (token_hash, workspace, workflow_id, created_at, expires_at, "
                          "access_count) VALUES ('h', 'default', 'wf', '2026-01-01', '2027-01-01', 0)")
    eng.dispose()
    s = qldrops.connect(url)
    with s.reading() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == db.SCHEMA_HEAD
        assert c.exec_driver_sql("SELECT dashboard FROM previews").scalar() == "preview"
    s.close()


def test_contentless_full_text_migration_keeps_search_results(tmp_path):
    """0002 -> 0006 turns drops_fts contentless: the same hits and scores, less disk, writes still right."""
    from alembic import command
    from alembic.config import Config

    from qldrops.client import Store
    from support import test_settings

    url = f"sqlite:///{tmp_path / 'fts.db'}"
    eng = db.make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(db.__file__), "migrations"))
    with eng.begin() as c:
        cfg.attributes["connection"] = c
        command.upgrade(cfg, "0002")
    old = Store(eng, test_settings(tmp_path), url=url)  # written by the code, on the 0002 schema
    words = ["retry", "backoff", "cache", "token", "RefreshToken", "csv column", "kubectl"]
    texts = [f"def retry_{i}(): backoff {i} RefreshToken" if i % 3 == 0 else
             f"cache the csv column {i} in redis; kubectl rollout {i}" for i in range(40)]
    old.put_many([{"workflow_id": f"wf{i % 4}", "drop_type": "code_generation", "artifact": s,
                   "metadata": {"n": i}} for i, s in enumerate(texts)])
    before = {w: [(h.drop.id, h.score) for h in old.search(w, limit=50)] for w in words}
    with old.reading() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM drops_fts_content").scalar() == 40
    old.close()
    s = qldrops.connect(url, settings=test_settings(tmp_path))
    try:
        after = {w: [(h.drop.id, h.score) for h in s.search(w, limit=50)] for w in words}
        assert after == before and all(before.values())
        with s.reading() as c:  # no second copy of the documents any more
            assert not c.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'drops_fts_content'").all()
        first = before["retry"][0][0]
        s.update(first, artifact="now about gardening")
        assert first not in [h.drop.id for h in s.search("retry", limit=50)]
        assert [h.drop.id for h in s.search("gardening")] == [first]
        s.purge(first)
        assert len(s.search("gardening")) == 0
        assert len(s.search("retry", limit=50)) == len(before["retry"]) - 1
    finally:
        s.close()
