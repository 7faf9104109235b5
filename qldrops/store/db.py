"""Engines, connection settings and the translation of driver errors.

SQLite runs in WAL mode with ``synchronous=FULL`` (invariant 5). Write
transactions on SQLite start with ``BEGIN IMMEDIATE`` so that two writers
queue on the write lock instead of failing when a read lock is upgraded.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..errors import (
    ConfigurationError,
    Conflict,
    DatabaseError,
    DatabaseUnavailable,
    QldropsError,
    SchemaError,
    ValidationError,
)
from .types import sql_json_equal

log = logging.getLogger(__name__)

# The newest Alembic revision this code knows; tests check it equals the script head.
# 0006 (contentless full text) follows 0004-0005 (collaboration).
SCHEMA_HEAD = "0008"
KNOWN_REVISIONS = {"0001", "0002", "0004", "0005", "0006", "0007", "0008"}
_WRITE = "qldrops_write"


def safe_url(url: str | sa.URL) -> str:
    """The URL without its password, fit for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as a placeholder, never echoed raw
        return "<unparsable database URL>"


def make_engine(url: str) -> sa.Engine:
    try:
        parsed = sa.make_url(url)
    except exc.ArgumentError:
        raise ConfigurationError(
            f"{safe_url(url)} is not a database URL",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/dbname",
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.drivername != "postgresql+psycopg":
            raise ConfigurationError(f"driver {parsed.drivername!r} is not supported",
                                     hint="use postgresql+psycopg://…")
        engine = sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    else:
        raise ConfigurationError(
            f"{safe_url(url)}: qldrops supports SQLite and PostgreSQL, not {backend!r}",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/dbname",
        )
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # Without a limit the -wal file keeps the size of the largest transaction ever written (a
        # 10k-drop put_many: tens of MB, for good); with one it shrinks back once checkpointed.
        cur.execute("PRAGMA journal_size_limit=8388608")
        # A bigger page cache and memory-mapped reads: similarity checks and dashboards read a lot.
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA mmap_size=268435456")
        cur.close()
        # Metadata filters compare lists and objects as JSON data, the way jsonb does on PostgreSQL.
        dbapi_conn.create_function("qldrops_json_equal", 2, sql_json_equal, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


@contextlib.contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Turn SQLAlchemy/driver errors into QldropsErrors that say what to do."""
    try:
        try:
            yield
        except exc.DBAPIError:
            raise
        except Exception as e:  # noqa: BLE001 - only raw driver errors are converted; others re-raised
            # The raw-driver fast paths (bulk.py) raise the driver's own errors: give them
            # SQLAlchemy's classes, so that one mapping below serves every path.
            base = _driver_error_base(e)
            if base is None:
                raise
            raise exc.DBAPIError.instance(None, None, e, base) from e
    except QldropsError:
        raise
    except UnicodeEncodeError as e:
        # Text the driver cannot send: a lone surrogate in an argument the checks above let through.
        raise ValidationError(f"text holds lone surrogate characters and is not valid UTF-8 "
                              f"(position {e.start}: {e.object[e.start:e.end]!r})",
                              hint="decode the source with errors='replace' first") from None
    except exc.IntegrityError as e:
        raise Conflict(f"the database refused a duplicate or dangling row: {_first_line(e)}",
                       hint="re-read the object and try again") from e
    except exc.OperationalError as e:
        text = str(e.orig if e.orig is not None else e).lower()
        full = _disk_full(url, e, text)
        if full is not None:
            raise full from e
        if "locked" in text or "busy" in text:
            raise Conflict("the database is busy with another writer", hint="retry the operation") from e
        if "could not serialize" in text or "deadlock" in text:
            raise Conflict("a concurrent transaction won the race", hint="retry the operation") from e
        if e.connection_invalidated or any(s in text for s in (
            "connection refused", "could not connect", "connection failed", "unable to open database",
            "could not translate host", "no such host", "does not exist", "authentication failed",
            "timeout expired", "server closed", "name or service not known", "connection is bad",
        )):
            raise DatabaseUnavailable(
                f"cannot reach the database at {safe_url(url)}: {_first_line(e)}",
                hint="check that the server is running and the URL (QLDROPS_DATABASE_URL) is right; "
                     "for the local PostgreSQL: pg_ctlcluster 15 main start",
            ) from e
        raise DatabaseError(f"the database at {safe_url(url)} failed: {_first_line(e)}",
                            hint="see the log for details; retry, or run `qldrops doctor`") from e
    except exc.DBAPIError as e:
        raise DatabaseError(f"the database at {safe_url(url)} failed: {_first_line(e)}",
                            hint="see the log for details") from e


def _disk_full(url: str, e: exc.OperationalError, text: str) -> DatabaseError | None:
    """A full disk, said plainly with where and what to free (retrying cannot help)."""
    sqlstate = getattr(e.orig, "sqlstate", None)
    if not (sqlstate == "53100" or "database or disk is full" in text or "could not extend file" in text
            or "no space left on device" in text):
        return None
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or ".").resolve().parent
        return DatabaseError(
            f"the disk holding the database is full ({folder}); nothing of this operation was written",
            hint=f"free space in {folder} (old backups, logs, index files of other databases) or move the "
                 "database to a larger disk, then run the operation again; `qldrops doctor` shows free space",
        )
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return DatabaseError(
        f"the PostgreSQL server at {where} is out of disk space; nothing of this operation was written",
        hint="free space on the server's data directory (SHOW data_directory), e.g. old WAL or logs, "
             "or VACUUM FULL large tables; then run the operation again",
    )


def _driver_error_base(e: BaseException) -> type[Exception] | None:
    """The PEP 249 ``Error`` class of the driver that raised ``e`` (sqlite3 or psycopg), else None."""
    if isinstance(e, sqlite3.Error):
        return sqlite3.Error
    psycopg = sys.modules.get("psycopg")  # not imported: it cannot have raised
    if psycopg is not None and isinstance(e, psycopg.Error):
        return psycopg.Error
    return None


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def current_revision(conn: sa.Connection) -> str | None:
    insp = sa.inspect(conn)
    if not insp.has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migrate(engine: sa.Engine, url: str, *, target: str = "head") -> str:
    """Bring the schema to ``target``. Refuses a schema newer than this code."""
    with translate_errors(url):
        with engine.connect() as conn:
            rev = current_revision(conn)
            conn.rollback()
        if rev is not None and rev not in KNOWN_REVISIONS:
            raise SchemaError(
                f"the database at {safe_url(url)} has schema revision {rev!r}, newer than this qldrops "
                f"(which knows up to {SCHEMA_HEAD!r})",
                hint="upgrade qldrops (pip install -U qldrops) or connect to another database; "
                     "nothing was changed",
            )
        if rev == SCHEMA_HEAD and target == "head":
            return rev
        # Alembic costs ~170 ms to import: only when the schema really has to change.
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Several processes may connect to a fresh database at once: migrate one at a time.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7202611)")
                if current_revision(conn) == SCHEMA_HEAD and target == "head":
                    return SCHEMA_HEAD
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
            log.info("migrated %s to %s", safe_url(url), target)
        return SCHEMA_HEAD


def insert_ignore(dialect: str, table: sa.Table, *, index_elements: Sequence[str] | None = None) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on both dialects (chain ``.values()``/``.returning()``).

    With ``.returning(table.c.id)`` and ``.first()``: a row when inserted, None when
    the key existed (``rowcount`` is not reliable here: psycopg reports -1).
    """
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=index_elements)
