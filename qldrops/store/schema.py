"""The tables, in SQLAlchemy Core. Alembic migrations in ``migrations/versions``
create exactly these; ``tests/test_migrations.py`` checks that they agree.

Layout:

* ``blobs``          content-addressed artifact bytes (sha256), zstd-compressed when large
* ``drops``          one row per drop: its *current* version, denormalised for fast reads
* ``drop_versions``  every version ever written (immutable); points at a blob
* ``changes``        the outbox: one row per change that affects search, in the same
                     transaction as the change (invariant 2). ``txid`` holds the PostgreSQL
                     transaction id so the index sync can re-read transactions that were
                     still in flight at its last watermark.
* ``workflows``      workflow lineage (forks)
* ``drop_types``     registered drop types and their metadata JSON schema
* ``embeddings``     vectors keyed by (content hash, model): never embedded twice
* ``analyses``       analysis results keyed by (content hash, analyser version)
* ``comments``       line comments anchored to a drop, a line range and a version
* ``collab_documents`` the editor page's unsaved shared documents (a pycrdt snapshot per drop,
                     written by ``qldrops.server.snapshots``; a server restart loses no typing)
* ``feedback``, ``workspaces``, ``users``, ``api_tokens``, ``previews``, ``events``,
  ``executions``, ``audit_log``, ``clusters``, ``index_state``
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite has no time zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use datetime.now(timezone.utc)")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# JSON on SQLite, JSONB on PostgreSQL (containment queries, GIN-indexable).
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# tsvector exists only on PostgreSQL; on SQLite full text lives in the FTS5 table drops_fts.
TSVector = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),  # sha256 hex of the raw bytes
    sa.Column("size", sa.BigInteger, nullable=False),  # logical size in bytes
    sa.Column("stored_size", sa.BigInteger, nullable=False),
    sa.Column("codec", sa.String(8), nullable=False),  # "raw" or "zstd"
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

drop_types = sa.Table(
    "drop_types",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("builtin", sa.Boolean, nullable=False, default=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("schema", JSONType, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("workspace", sa.String(64), primary_key=True),
    sa.Column("workflow_id", sa.String(200), primary_key=True),
    sa.Column("forked_from", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

drops = sa.Table(
    "drops",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("workflow_id", sa.String(200), nullable=False),
    sa.Column("capsule_id", sa.String(200), nullable=True),
    sa.Column("drop_type", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("metadata", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=True),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
    sa.Column("forked_from", sa.BigInteger, nullable=True),  # drop id this one was forked from
    sa.Column("search_tsv", TSVector, nullable=True),  # PostgreSQL full text; NULL on SQLite
    sa.Index("ix_drops_workflow", "workspace", "workflow_id"),
    sa.Index("ix_drops_type", "workspace", "drop_type"),
    sa.Index("ix_drops_hash", "content_hash"),
    sa.Index("ix_drops_created", "created_at"),
    sqlite_autoincrement=True,
)

drop_versions = sa.Table(
    "drop_versions",
    metadata,
    sa.Column("drop_id", sa.BigInteger, sa.ForeignKey("drops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(64), sa.ForeignKey("blobs.hash"), nullable=False),
    sa.Column("metadata", JSONType, nullable=False),
    sa.Column("op", sa.String(16), nullable=False),  # put | update | rollback | fork | restore
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=True),
    sa.Column("contributors", JSONType, nullable=True),  # names of those who wrote it together (or NULL)
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("drop_id", sa.BigInteger, nullable=False),
    sa.Column("workspace", sa.String(64), nullable=False),
    # upsert | delete; and for watchers only: comment (version = comment id), run (version = execution id)
    sa.Column("op", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=True),
    # PostgreSQL: pg_current_xact_id() of the writing transaction (server default); NULL on SQLite.
    sa.Column("txid", sa.BigInteger, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_changes_txid", "txid"),
    sa.Index("ix_changes_workspace_seq", "workspace", "seq"),  # the page cache's positions (migration 0007)
    sa.Index("ix_changes_drop_id", "drop_id"),
    sqlite_autoincrement=True,
)

embeddings = sa.Table(
    "embeddings",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("model_id", sa.String(200), primary_key=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),  # float32 little-endian, L2-normalised
    sa.Column("chunks", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_embeddings_created", "created_at"),  # the explorer's position: newest vector (migration 0008)
)

index_state = sa.Table(
    "index_state",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", JSONType, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

clusters = sa.Table(
    "clusters",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column("cluster", sa.Integer, primary_key=True),
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("members", JSONType, nullable=False),  # list of drop ids
    sa.Column("representatives", JSONType, nullable=False),
    sa.Column("top_terms", JSONType, nullable=False),
    sa.Column("model_id", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

analyses = sa.Table(
    "analyses",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("analyser_version", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(40), nullable=True),
    sa.Column("language_confidence", sa.Float, nullable=True),
    sa.Column("quality_score", sa.Float, nullable=True),
    sa.Column("complexity", sa.Float, nullable=True),
    sa.Column("issue_count", sa.Integer, nullable=False, default=0),
    sa.Column("security_count", sa.Integer, nullable=False, default=0),
    sa.Column("result", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("drop_id", sa.BigInteger, sa.ForeignKey("drops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_feedback_drop", "drop_id"),
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the workspace name, as drops.workspace
    sa.Column("created_at", UTCDateTime, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(64), sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # viewer | editor | admin
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("workspace", "name", name="uq_users_workspace_name"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),  # first chars, to tell tokens apart in listings
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("last_used_at", UTCDateTime, nullable=True),
)

previews = sa.Table(
    "previews",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 of the capability
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("workflow_id", sa.String(200), nullable=False),
    sa.Column("drop_id", sa.BigInteger, nullable=True),
    sa.Column("created_by", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("access_count", sa.BigInteger, nullable=False, default=0),
    sa.Column("last_access_at", UTCDateTime, nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    # Which dashboard the link opens: preview (a workflow), analytics or explorer (the workspace).
    sa.Column("dashboard", sa.String(32), nullable=False, server_default="preview"),
    # What a visitor may do: view (read only), comment (add line comments), edit (save new versions).
    sa.Column("access", sa.String(16), nullable=False, server_default="view"),
    sa.Index("ix_previews_workspace", "workspace", "expires_at"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("preview_id", sa.BigInteger, nullable=True),
    sa.Column("workflow_id", sa.String(200), nullable=True),
    sa.Column("drop_id", sa.BigInteger, nullable=True),
    sa.Column("event_type", sa.String(32), nullable=False),  # view | edit | execute | download | share
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("viewer_id", sa.String(64), nullable=True),  # hashed client + user agent, for unique viewers
    sa.Column("user_agent", sa.Text, nullable=True),
    sa.Column("client", sa.String(64), nullable=True),
    sa.Column("duration_ms", sa.Float, nullable=True),
    sa.Column("metadata", JSONType, nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_events_time", "workspace", "created_at"),
    sa.Index("ix_events_preview", "preview_id"),
)

executions = sa.Table(
    "executions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("drop_id", sa.BigInteger, nullable=True),
    sa.Column("workflow_id", sa.String(200), nullable=True),
    sa.Column("preview_id", sa.BigInteger, nullable=True),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("language", sa.String(40), nullable=False),
    sa.Column("file", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # running | ok | error | timeout | killed | refused | lost
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("stdout", sa.Text, nullable=True),
    sa.Column("stderr", sa.Text, nullable=True),
    sa.Column("truncated", sa.Boolean, nullable=False, default=False),
    sa.Column("duration_ms", sa.Float, nullable=True),
    sa.Column("resources", JSONType, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Index("ix_executions_preview", "preview_id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(64), nullable=True),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.Text, nullable=True),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("detail", JSONType, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("workflow_id", sa.String(200), nullable=False),
    sa.Column("drop_id", sa.BigInteger, sa.ForeignKey("drops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("file", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),  # the version line_start/line_end refer to now
    sa.Column("created_version", sa.Integer, nullable=False),
    sa.Column("line_start", sa.Integer, nullable=False),  # 1-based, inclusive
    sa.Column("line_end", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # plain text, never HTML
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("preview_id", sa.BigInteger, nullable=True),
    sa.Column("reply_to", sa.BigInteger, nullable=True),
    sa.Column("outdated", sa.Boolean, nullable=False, default=False),  # its lines changed in a later version
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("resolved_by", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_comments_drop", "drop_id", "id"),
    sa.Index("ix_comments_workflow", "workspace", "workflow_id", "id"),
    sqlite_autoincrement=True,
)

collab_documents = sa.Table(
    "collab_documents",
    metadata,
    sa.Column("drop_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("workspace", sa.String(64), nullable=False),
    sa.Column("workflow_id", sa.String(200), nullable=False),
    sa.Column("base_version", sa.Integer, nullable=False),  # the drop version the document started from
    sa.Column("state", sa.LargeBinary, nullable=False),  # the whole document as one Yjs update
    sa.Column("contributors", JSONType, nullable=False),  # names who changed it since the last save
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
