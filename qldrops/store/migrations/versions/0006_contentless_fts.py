"""full text without a second copy of every artifact (SQLite: contentless FTS5)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

``drops_fts`` kept an uncompressed copy of every drop's document beside the
inverted index. It becomes a contentless FTS5 table (``content=''``): the index
only. The documents are rebuilt from the drops' current content and metadata with
the same function the writers use (``qldrops.store.search.document``), so the
rows the writers later remove with FTS5's ``'delete'`` command match exactly what
was indexed. PostgreSQL keeps its tsvector column (lexemes only): nothing to do.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PAGE = 500


def _documents(bind):
    from qldrops.store import blobs as blobcodec
    from qldrops.store.search import document

    rows = bind.execute(sa.text(
        "SELECT d.id, d.workflow_id, d.drop_type, d.metadata, b.codec, b.data FROM drops d "
        "JOIN blobs b ON b.hash = d.content_hash ORDER BY d.id"))
    while True:
        page = rows.fetchmany(_PAGE)
        if not page:
            break
        yield [{"id": r[0], "body": document(r[1], r[2], json.loads(r[3]) if isinstance(r[3], str) else r[3],
                                              blobcodec.decode(r[4], r[5]).decode("utf-8"))} for r in page]


def _rebuild(create: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS drops_fts")
    op.execute(create)
    for page in _documents(bind):
        bind.execute(sa.text("INSERT INTO drops_fts (rowid, body) VALUES (:id, :body)"), page)


def upgrade() -> None:
    _rebuild("CREATE VIRTUAL TABLE drops_fts USING fts5(body, content='', tokenize='porter unicode61')")


def downgrade() -> None:
    _rebuild("CREATE VIRTUAL TABLE drops_fts USING fts5(body, tokenize='porter unicode61')")
