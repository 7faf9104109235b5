"""Vectors in the database (table ``embeddings``), keyed by (content hash, model id).

The database is the system of record (invariant 1): a rebuild reads vectors from
here and never re-embeds. Content already embedded with the same model is never
embedded again, whichever drop, version or process asked first.

A blank artifact gets a marker row (``chunks = 0``, empty vector) so it is not
read and checked again on every sync; it has no vector and is never indexed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

import numpy as np
import sqlalchemy as sa

from ..store import schema as t
from ..store.bulk import known_vectors, stored_vectors, upsert_rows
from .embedder import Embedder, is_blank

log = logging.getLogger(__name__)

BLANK = None  # the value a blank artifact maps to


def to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes, dim: int) -> np.ndarray | None:
    if not data:
        return BLANK
    vec = np.frombuffer(data, dtype="<f4")
    return vec if vec.size == dim else BLANK


def stack_vectors(vecs: Mapping[str, np.ndarray | None], hashes: Iterable[str]) -> np.ndarray:
    """The vectors of these hashes as one float32 matrix, a row each; every hash must have a vector (not blank)."""
    rows = []
    for h in hashes:
        vec = vecs[h]
        assert vec is not None, f"{h} has no vector"
        rows.append(vec)
    if not rows:
        raise ValueError("no vectors to stack")
    return np.array(rows, dtype=np.float32)  # one copy in C (np.vstack goes through Python per row)


def load_vectors(conn: sa.Connection, model_id: str, dim: int, hashes: Iterable[str]
                 ) -> dict[str, np.ndarray | None]:
    """Stored vectors for these hashes: hash -> vector, or None for a blank artifact; absent if not embedded."""
    hashes = list(dict.fromkeys(hashes))
    rows = stored_vectors(conn.connection.dbapi_connection, conn.dialect.name, model_id, hashes)
    return {h: from_bytes(data, dim) if chunks else BLANK for h, data, chunks in rows}


def missing_hashes(conn: sa.Connection, model_id: str, hashes: Iterable[str]) -> list[str]:
    """Those of these hashes that have no stored row (vector or blank marker) for this model, in order."""
    hashes = list(dict.fromkeys(hashes))
    have = known_vectors(conn.connection.dbapi_connection, conn.dialect.name, model_id, hashes)
    return [h for h in hashes if h not in have]


def ensure_vectors(store, embedder: Embedder, hashes: Iterable[str], *, batch: int = 256
                   ) -> dict[str, np.ndarray | None]:
    """Vectors for these content hashes, embedding (and saving) only the ones never embedded."""
    hashes = list(dict.fromkeys(hashes))
    with store.reading() as conn:
        found = load_vectors(conn, embedder.model_id, embedder.dim, hashes)
    todo = [h for h in hashes if h not in found]
    if todo:
        found.update(embed_and_save(store, embedder, todo, batch=batch))
    return found


def embed_and_save(store, embedder: Embedder, hashes: list[str], *, batch: int = 256
                   ) -> dict[str, np.ndarray | None]:
    """Read, embed and save content in batches (so a long run keeps what it already did)."""
    out: dict[str, np.ndarray | None] = {}
    started = time.perf_counter()
    for i in range(0, len(hashes), batch):
        part = hashes[i:i + batch]
        found = store.read_artifacts(part)  # one read per batch, not one per artifact
        part = [h for h in part if h in found]  # purged meanwhile: nothing to embed, nothing recorded
        if not part:
            continue
        texts = [found[h] for h in part]
        live = [j for j, text in enumerate(texts) if not is_blank(text)]
        vecs, chunks = embedder.embed_documents([texts[j] for j in live]) if live \
            else (np.zeros((0, embedder.dim), dtype=np.float32), [])
        rows = []
        now = t.now()
        for j, h in enumerate(part):
            rows.append({"content_hash": h, "model_id": embedder.model_id, "dim": embedder.dim,
                         "vector": b"", "chunks": 0, "created_at": now})
            out[h] = BLANK
        for n, j in enumerate(live):
            rows[j]["vector"] = to_bytes(vecs[n])
            rows[j]["chunks"] = int(chunks[n])
            out[part[j]] = np.asarray(vecs[n], dtype=np.float32)
        with store.transaction() as conn:  # PostgreSQL: COPY; a vector already there is kept
            upsert_rows(conn, t.embeddings, rows)
    if hashes:
        log.info("embedded %d artifacts with %s in %.1f s", len(hashes), embedder.model_id,
                 time.perf_counter() - started)
    return out
