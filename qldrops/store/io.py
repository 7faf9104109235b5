"""JSON Lines import and export.

One line per drop::

    {"workflow_id": "wf-42", "drop_type": "code_generation", "artifact": "...", "metadata": {...},
     "capsule_id": null, "created_by": "alice",
     "versions": [{"artifact": "...", "metadata": {...}}, ...]}   # optional: older versions, oldest first

and one line per fork: ``{"kind": "fork", "from": "wf-42", "to": "wf-42-b"}``.
``export`` writes the same format, so an export imports into an empty store as
the same drops, histories and forks. An import is one transaction: a malformed
line is reported with its number and nothing is imported.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from ..errors import ImportFormatError, NotFound, QldropsError
from . import schema as t


def _open(path, mode: str) -> tuple[IO[str], bool]:
    if hasattr(path, "read" if "r" in mode else "write"):
        return path, False
    if str(path) == "-":
        return (sys.stdin if "r" in mode else sys.stdout), False
    try:
        return open(Path(path), mode, encoding="utf-8"), True
    except FileNotFoundError:
        raise NotFound(f"no such file: {path}", hint="check the path") from None


def export_jsonl(store, path, *, workflow_id: str | None = None) -> int:
    drops = store.list(workflow_id=workflow_id)
    forks = {w["workflow_id"]: w["forked_from"] for w in store.workflows() if w["forked_from"]}
    fh, close = _open(path, "w")
    written_forks: set[str] = set()
    try:
        n = 0
        with store.reading() as conn:
            for d in drops:
                if d.workflow_id in forks and d.forked_from is not None:
                    if d.workflow_id not in written_forks:
                        fh.write(json.dumps({"kind": "fork", "from": forks[d.workflow_id], "to": d.workflow_id}) + "\n")
                        written_forks.add(d.workflow_id)
                    versions = _versions(store, conn, d.id)[1:]
                    if versions:
                        fh.write(json.dumps({"kind": "update", "workflow_id": d.workflow_id,
                                             "drop_type": d.drop_type, "capsule_id": d.capsule_id,
                                             "fork_of": d.forked_from, "versions": versions},
                                            ensure_ascii=False) + "\n")
                    n += 1
                    continue
                versions = _versions(store, conn, d.id)
                rec: dict[str, Any] = {"id": d.id, "workflow_id": d.workflow_id, "drop_type": d.drop_type,
                                       "capsule_id": d.capsule_id, "created_by": d.created_by,
                                       "artifact": d.artifact, "metadata": d.metadata}
                if len(versions) > 1:
                    rec["versions"] = versions[:-1]
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
    finally:
        if close:
            fh.close()
    return n


def _versions(store, conn: sa.Connection, drop_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(t.drop_versions.c.metadata, t.drop_versions.c.content_hash, t.blobs.c.codec, t.blobs.c.data)
        .join(t.blobs, t.blobs.c.hash == t.drop_versions.c.content_hash)
        .where(t.drop_versions.c.drop_id == drop_id).order_by(t.drop_versions.c.version)
    ).all()
    return [{"artifact": store.blob_bytes(r.codec, r.data, r.content_hash).decode("utf-8"), "metadata": r.metadata}
            for r in rows]


def _parse(fh: IO[str]) -> list[tuple[int, dict[str, Any]]]:
    records = []
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ImportFormatError(f"line {lineno} is not valid JSON: {e.msg} (column {e.colno})", line=lineno) from None
        if not isinstance(rec, dict):
            raise ImportFormatError(f"line {lineno} is a JSON {type(rec).__name__}, not an object", line=lineno)
        records.append((lineno, rec))
    return records


def import_jsonl(store, path, *, progress: bool | None = None) -> dict[str, int]:
    """Import a JSONL file in one transaction. Returns counts of drops, versions and forks."""
    store._authorize("write")
    fh, close = _open(path, "r")
    try:
        try:
            records = _parse(fh)
        except UnicodeDecodeError as e:
            raise ImportFormatError(f"the file is not UTF-8 text ({e.reason})", line=0) from None
    finally:
        if close:
            fh.close()
    # Validate everything before the first write: a bad line 900 must not leave lines 1-899 behind.
    if records and "op" in records[0][1] and "kind" not in records[0][1]:
        raise ImportFormatError(
            "this file is a demo plan (records with 'op': put/update/fork), not an export",
            line=records[0][0], hint="load the demo corpus with `qldrops demo`; `qldrops export` writes importable files")
    plan: list[tuple[int, str, dict[str, Any], list[Any]]] = []  # (line, kind, record, prepared versions)
    for lineno, rec in records:
        kind = rec.get("kind", "drop")
        try:
            if kind == "drop":
                item = {k: rec.get(k) for k in ("workflow_id", "drop_type", "capsule_id", "created_by")}
                history = list(rec.get("versions") or []) + [{"artifact": rec.get("artifact"),
                                                               "metadata": rec.get("metadata")}]
                prepared = [store._prepare({**item, **_version(v, lineno)}) for v in history]
                plan.append((lineno, "drop", rec, prepared))
            elif kind == "fork":
                if not isinstance(rec.get("from"), str) or not isinstance(rec.get("to"), str):
                    raise ImportFormatError(f"line {lineno}: a fork needs string fields 'from' and 'to'", line=lineno)
                plan.append((lineno, "fork", rec, []))  # a fork copies: it brings no versions
            elif kind == "update":
                item = {k: rec.get(k) for k in ("workflow_id", "drop_type", "capsule_id")}
                prepared = [store._prepare({**item, **_version(v, lineno)}) for v in rec.get("versions") or []]
                plan.append((lineno, "update", rec, prepared))
            else:
                raise ImportFormatError(f"line {lineno}: unknown kind {kind!r} (drop, fork or update)", line=lineno)
        except ImportFormatError:
            raise
        except QldropsError as e:
            raise ImportFormatError(f"line {lineno}: {e.message}", line=lineno) from e
    counts = {"drops": 0, "versions": 0, "forks": 0}
    id_map: dict[Any, int] = {}
    iterator = plan
    if progress if progress is not None else (store.settings.progress and len(plan) > 200):
        from tqdm.auto import tqdm

        iterator = tqdm(plan, desc="import", unit="line")
    with store.transaction() as conn:
        for lineno, kind, rec, prepared in iterator:
            try:
                if kind == "drop":
                    [new_id] = store._insert_drops(conn, prepared[:1])
                    if rec.get("id") is not None:
                        id_map[rec["id"]] = new_id
                    for p in prepared[1:]:
                        store._new_version(conn, store._lock_current(conn, new_id), p, op="update",
                                           message=None, created_by=p.created_by)
                    counts["drops"] += 1
                    counts["versions"] += len(prepared)
                elif kind == "fork":
                    new_ids = store._fork(conn, rec["from"], rec["to"], None)
                    src = conn.execute(sa.select(t.drops.c.id, t.drops.c.forked_from)
                                       .where(t.drops.c.id.in_(new_ids))).all()
                    for r in src:
                        id_map[("fork", rec["to"], r.forked_from)] = r.id
                    counts["forks"] += 1
                else:
                    src_id = id_map.get(rec.get("fork_of"))
                    target = id_map.get(("fork", rec.get("workflow_id"), src_id))
                    if target is None:
                        raise ImportFormatError(f"line {lineno}: update of a forked drop whose fork is not "
                                                f"in the file before it", line=lineno)
                    for p in prepared:
                        store._new_version(conn, store._lock_current(conn, target), p, op="update",
                                           message=None, created_by=p.created_by)
                        counts["versions"] += 1
            except ImportFormatError:
                raise
            except QldropsError as e:
                raise ImportFormatError(f"line {lineno}: {e.message}", line=lineno) from e
    return counts


def _version(v: Any, lineno: int) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ImportFormatError(f"line {lineno}: each entry of 'versions' must be an object", line=lineno)
    return {"artifact": v.get("artifact"), "metadata": v.get("metadata")}


def dumps(store, **kw) -> str:
    buf = io.StringIO()
    export_jsonl(store, buf, **kw)
    return buf.getvalue()
