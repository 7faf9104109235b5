"""Full-text search: SQLite FTS5 (porter stemming) or PostgreSQL tsvector + GIN.

The indexed document is the workflow id, the drop type, the metadata values and
the artifact, capped so that one huge artifact cannot blow the index up
(PostgreSQL refuses tsvectors over 1 MB).

On SQLite ``drops_fts`` is a *contentless* FTS5 table (``content=''``, migration
0006): it keeps the inverted index only, not a second uncompressed copy of every
artifact (the artifact lives once, compressed, in ``blobs``). A contentless table
forgets what it indexed, so removing a row means handing FTS5 the very document it
was given (the ``'delete'`` command): :func:`document` is deterministic and the
callers rebuild it from the drop's previous content and metadata. On PostgreSQL the
tsvector column holds lexemes and positions only (no copy of the text either).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import sqlalchemy as sa

from . import schema as t

MAX_DOC_CHARS = 200_000
MAX_META_CHARS = 50_000  # metadata is capped too (types.MAX_METADATA_BYTES bounds it at write time)
_WORD = re.compile(r"\w+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_HAS_CAMEL = re.compile(r"[a-z0-9][A-Z]")
_PUNCT = {c: " " for c in range(128) if not chr(c).isalnum() and chr(c) not in " \n\t"}


def document(workflow_id: str, drop_type: str, metadata: dict[str, Any], text: str) -> str:
    meta = " ".join(_flatten(metadata))[:MAX_META_CHARS]
    body = text if len(text) <= MAX_DOC_CHARS else text[: MAX_DOC_CHARS // 2] + "\n" + text[-MAX_DOC_CHARS // 2:]
    # Identifiers like refresh_token or RefreshToken should match "refresh token".
    # Blank out ASCII punctuation and underscores, which only hide words from the parsers
    # (PostgreSQL reads "fmt.Println" as a host name). str.translate: regexes cost 100x more here.
    flat = body.translate(_PUNCT)
    # camelCase identifiers get their parts appended (RefreshToken -> Refresh Token), so
    # "refresh token" finds them; only the few distinct mixed-case words go through a regex.
    # (flat.lower() != flat: no capital letter at all, the common case, skips the regex scan at C speed.)
    camel = ([_CAMEL.sub(" ", w) for w in set(flat.split()) if w[1:] != w[1:].lower() and w != w.upper()]
             if flat.lower() != flat and _HAS_CAMEL.search(flat) else None)
    split = flat + ("\n" + " ".join(camel) if camel else "")
    return f"{workflow_id} {drop_type.replace('_', ' ')} {meta}\n{split}"


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            out.append(str(k))
            out.extend(_flatten(v))
        return out
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)]
    return [str(value)]


def pg_tsvector(value: Any) -> sa.ColumnElement:
    return sa.func.to_tsvector(sa.literal_column("'english'::regconfig"), value)


def sqlite_index(conn: sa.Connection, rows: Sequence[tuple[int, str]]) -> None:
    conn.execute(sa.text("INSERT INTO drops_fts(rowid, body) VALUES (:id, :body)"),
                 [{"id": i, "body": b} for i, b in rows])


def sqlite_replace(conn: sa.Connection, drop_id: int, old_body: str, body: str) -> None:
    sqlite_delete(conn, drop_id, old_body)
    sqlite_index(conn, [(drop_id, body)])


def sqlite_delete(conn: sa.Connection, drop_id: int, old_body: str) -> None:
    """Remove a drop from the contentless index: ``old_body`` must be the document it was indexed with."""
    conn.execute(sa.text("INSERT INTO drops_fts(drops_fts, rowid, body) VALUES ('delete', :id, :body)"),
                 {"id": drop_id, "body": old_body})


def terms(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text.replace("_", " "))]


def query(conn: sa.Connection, dialect: str, text: str, conds: list[sa.ColumnElement],
          limit: int) -> list[tuple[int, float]]:
    words = terms(text)
    if not words:
        return []
    if dialect == "postgresql":
        english: sa.ColumnClause[Any] = sa.literal_column("'english'::regconfig")
        tsq = sa.func.plainto_tsquery(english, " ".join(words))
        rank = sa.func.ts_rank_cd(t.drops.c.search_tsv, tsq).label("rank")
        q = (sa.select(t.drops.c.id, rank).where(t.drops.c.search_tsv.op("@@")(tsq), *conds)
             .order_by(rank.desc(), t.drops.c.id).limit(limit))
        return [(r.id, float(r.rank)) for r in conn.execute(q)]
    fts = sa.table("drops_fts", sa.column("rowid"), sa.column("body"))
    rank = sa.literal_column("bm25(drops_fts)").label("rank")
    q = (sa.select(t.drops.c.id, rank).select_from(fts.join(t.drops, t.drops.c.id == fts.c.rowid))
         .where(sa.literal_column("drops_fts").op("MATCH")(_match(words)), *conds)
         .order_by(rank, t.drops.c.id).limit(limit))
    # bm25 is lower-is-better and negative; flip it so every backend answers higher-is-better.
    return [(r.id, -float(r.rank)) for r in conn.execute(q)]


def _match(words: list[str]) -> str:
    """An FTS5 query of quoted terms: user text can't inject FTS5 operators."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def snippet(text: str, query_text: str, width: int = 160) -> str:
    words = [w for w in terms(query_text) if len(w) > 1]
    lower = text.lower()
    pos = min((p for p in (lower.find(w) for w in words) if p >= 0), default=0)
    start = max(0, pos - width // 3)
    piece = text[start:start + width].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
