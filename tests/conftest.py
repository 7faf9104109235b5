"""Fixtures: real SQLite files and a real, throw-away PostgreSQL database.

``store`` is parametrised over both backends: every test that uses it is part of
the contract suite. PostgreSQL tests skip locally when no server answers, but
fail when ``QLDROPS_REQUIRE_POSTGRES=1`` (set by ``make test`` and CI).
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

import qldrops
from qldrops.settings import Settings
from qldrops.store import schema as t

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from support import PG_ADMIN_URL, REQUIRE_PG, test_settings  # noqa: E402,F401  (shared with test modules)

# Tables emptied between PostgreSQL tests, children first.
_TABLES = [tbl.name for tbl in reversed(t.metadata.sorted_tables)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (migrating every time costs ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    s = qldrops.connect(f"sqlite:///{path}", settings=Settings(progress=False))
    s.close()
    return path


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    path = tmp_path / "qldrops.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"qldrops_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as e:
        admin.dispose()
        msg = (f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({str(e.orig).splitlines()[0]}). "
               "Start it: pg_ctlcluster 15 main start (make test does this).")
        if REQUIRE_PG:
            pytest.fail(msg)
        pytest.skip(msg)
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    s = qldrops.connect(url, settings=Settings(progress=False))
    s.close()
    yield url
    with admin.connect() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()


@pytest.fixture
def pg_url(pg_database):
    eng = sa.create_engine(pg_database)
    with eng.begin() as c:
        c.exec_driver_sql("TRUNCATE " + ", ".join(_TABLES) + " RESTART IDENTITY CASCADE")
    eng.dispose()
    return pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _open(url, tmp_path):
    return qldrops.connect(url, settings=test_settings(tmp_path))


@pytest.fixture
def store(db_url, tmp_path):
    s = _open(db_url, tmp_path)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(sqlite_url, tmp_path):
    s = _open(sqlite_url, tmp_path)
    yield s
    s.close()


@pytest.fixture
def pg_store(pg_url, tmp_path):
    s = _open(pg_url, tmp_path)
    yield s
    s.close()


@pytest.fixture
def make_store(tmp_path):
    """Open another connection (another 'process') to the same database."""
    opened = []

    def _make(url, **overrides):
        s = qldrops.connect(url, settings=test_settings(tmp_path, **overrides))
        opened.append(s)
        return s

    yield _make
    for s in opened:
        s.close()


@pytest.fixture
def fake_embedder():
    from qldrops.index.embedder import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture(scope="session")
def dask_client():
    """A real Dask LocalCluster (2 worker processes, 1 thread each) for the `--engine dask` tests."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
            distributed.Client(cl, set_as_default=False) as c:
        yield c
