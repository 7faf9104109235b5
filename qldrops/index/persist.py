"""Saving and opening the index files: atomic, checksummed, never served when wrong.

A saved index is up to three files in its folder:

* ``vectors-<gen>.faiss``  the FAISS index, for the approximate kinds only (HNSW, IVF,
                           IVF-PQ): rebuilding those means training or building a graph
* ``map-<gen>.npz``        the sidecar: drop id -> content hash of every vector, plus
                           backend arrays (HNSW label table, IVF training size)
* ``manifest.json``        model id, dimension, kind, watermark, count, database
                           identity, and the name, size and sha256 of the files

The exact (flat) index writes no FAISS file: its vectors are stored once, in the
database's ``embeddings`` table, and opening reads the vectors of the map's hashes
from there (:data:`FROM_DATABASE`). A FAISS file of a flat index saved by an older
version is still read.

Each file is written to a temp file in the same folder, fsynced, ``os.replace``d and
the folder fsynced (invariant 4). The data files carry a fresh generation name and
the manifest is replaced last, so a crash at any moment leaves either the previous
manifest with its (untouched) files or the new one with its complete files.
``faiss.write_index`` writes in place, so it only ever writes to the temp path.
A ``flock`` on ``.lock`` keeps concurrent processes sharing a folder from deleting
each other's live generation. A save killed mid-write leaves its temp file
(``.<name>.<pid>.<random>.tmp``, possibly as large as the index); opening the
folder removes such leftovers (:func:`clean_stale_temps`): all of them when no
process holds the lock, else those whose writer's pid is gone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import VectorIndexError
from . import vectors as vx

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
# Kinds whose saved form is the map alone: the vectors are read from the database on open.
# Measured (benchmarks/README.md, "Vectors stored once"): for exact search, reading the
# vectors back costs 0.04-0.11 s more per open at 10-19k vectors than reading and checksumming
# the file did, and the file was 1.54 MB per 1,000 vectors (~25 % of the disk per chunk); for
# HNSW, building the graph again costs ~200x opening its file, so that file is kept.
FROM_DATABASE = frozenset({"flat"})
REBUILD_HINT = "run `qldrops index rebuild` (or store.index.rebuild()); the database still holds every vector"


@dataclass
class Manifest:
    model_id: str
    dim: int
    kind: str
    watermark: dict
    count: int
    database: str
    workspace: str
    files: dict = field(default_factory=dict)
    created_at: str = ""
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)


@contextlib.contextmanager
def folder_lock(folder: Path, *, exclusive: bool) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, writer: Callable[[Path], object]) -> dict:
    """Write ``path`` through ``writer(temp_path)`` atomically; return its name, size, sha256."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        writer(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        info = {"name": path.name, "size": tmp.stat().st_size, "sha256": _sha256_file(tmp)}
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return info
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, (OSError, RuntimeError)):
            raise VectorIndexError(
                f"could not save the vector index in {path.parent}: {exc}",
                hint="free disk space or check permissions; the previous index file was left as it was",
            ) from exc
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _writer_pid(tmp: Path) -> int | None:
    """The pid in a temp file's name (``.<name>.<pid>.<random>.tmp``), or None for an older name."""
    parts = tmp.name.split(".")
    if len(parts) >= 4 and parts[-3].isdigit():
        return int(parts[-3])
    return None


def clean_stale_temps(folder: Path) -> list[str]:
    """Remove temp files left by a save that was killed; returns their names.

    When the folder's lock can be taken exclusively, no save is running anywhere, so
    every temp file is stale. When a save holds it, only files whose writer's pid no
    longer runs are (the pid is in the name; a file without one is left for later).
    """
    if not folder.is_dir():
        return []
    temps = list(folder.glob(".*.tmp"))
    if not temps:
        return []
    removed = []
    with open(folder / ".lock", "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = True
        except BlockingIOError:
            locked = False
        try:
            for tmp in temps:
                pid = _writer_pid(tmp)
                if locked or (pid is not None and pid != os.getpid() and not _pid_alive(pid)):
                    with contextlib.suppress(OSError):
                        tmp.unlink()
                        removed.append(tmp.name)
        finally:
            if locked:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    if removed:
        log.info("removed %d temp file(s) left by an interrupted index save in %s", len(removed), folder)
    return removed


def _write_npz(arrays: dict[str, np.ndarray]) -> Callable[[Path], None]:
    def writer(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)  # numbers only, as load() reads them
    return writer


def encode_map(id_map: dict[int, str]) -> dict[str, np.ndarray]:
    # (n, 32) uint8, not numpy "S32": that dtype strips trailing NUL bytes (1 hash in 256 ends in 00).
    ids = np.fromiter(id_map.keys(), dtype=np.int64, count=len(id_map))
    hashes = np.frombuffer(b"".join(bytes.fromhex(h) for h in id_map.values()), dtype=np.uint8).reshape(-1, 32)
    return {"map_ids": ids, "map_hashes": hashes}


def decode_map(arrays) -> dict[int, str]:
    hashes = arrays["map_hashes"]
    if hashes.ndim != 2 or hashes.shape[1] != 32 or len(hashes) != len(arrays["map_ids"]):
        raise ValueError("the id map has the wrong shape")
    return {int(i): h.tobytes().hex() for i, h in zip(arrays["map_ids"], hashes)}


def save(folder: Path, manifest: Manifest, backend: vx.VectorIndex, id_map: dict[int, str]) -> Manifest:
    """Write the index, its sidecar and then its manifest; remove older generations."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = uuid.uuid4().hex[:12]
    with folder_lock(folder, exclusive=True):
        files = {}
        fidx = None if backend.kind in FROM_DATABASE else backend.faiss_index
        if fidx is not None:
            faiss = vx.faiss_module()
            files["index"] = atomic_write(folder / f"vectors-{gen}.faiss",
                                          lambda tmp: faiss.write_index(fidx, str(tmp)))
        arrays = encode_map(id_map)
        arrays.update(backend.dump())
        files["map"] = atomic_write(folder / f"map-{gen}.npz", _write_npz(arrays))
        manifest.files = files
        manifest.count = len(id_map)
        manifest.kind = backend.kind
        manifest.created_at = dt.datetime.now(dt.UTC).isoformat()
        text = manifest.to_json().encode()
        atomic_write(folder / MANIFEST, lambda tmp: tmp.write_bytes(text))
        keep = {f["name"] for f in files.values()}
        for old in list(folder.glob("vectors-*.faiss")) + list(folder.glob("map-*.npz")) + list(folder.glob(".*.tmp")):
            if old.name not in keep:
                with contextlib.suppress(OSError):
                    old.unlink()
    log.info("saved %s index: %d vectors in %s", backend.kind, len(id_map), folder)
    return manifest


def _read_checked(folder: Path, info: dict) -> bytes:
    path = folder / info["name"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VectorIndexError(f"index file {path} is missing or unreadable: {exc}", hint=REBUILD_HINT) from exc
    if len(data) != info["size"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise VectorIndexError(f"index file {path} is corrupt or truncated (checksum mismatch)", hint=REBUILD_HINT)
    return data


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text())
        if raw.get("format") != FORMAT:
            raise VectorIndexError(f"index manifest {path} has format {raw.get('format')}, expected {FORMAT}",
                                   hint=REBUILD_HINT)
        return Manifest(**raw)
    except (ValueError, TypeError) as exc:
        raise VectorIndexError(f"index manifest {path} is corrupt: {exc}", hint=REBUILD_HINT) from exc


def load(folder: Path, *, model_id: str, dim: int, database: str, workspace: str
         ) -> tuple[Manifest, vx.VectorIndex | None, dict[int, str]] | None:
    """Open a saved index, or None when there is none. Anything wrong raises VectorIndexError.

    The backend is None for a kind in :data:`FROM_DATABASE` saved without a FAISS file:
    the caller fills it with the stored vectors of the map's hashes.
    Temp files left by a killed save are removed first (:func:`clean_stale_temps`).
    """
    clean_stale_temps(folder)
    with folder_lock(folder, exclusive=False):
        manifest = read_manifest(folder)
        if manifest is None:
            return None
        if manifest.model_id != model_id or manifest.dim != dim:
            raise VectorIndexError(
                f"the index in {folder} was built for model {manifest.model_id!r} ({manifest.dim} dims); "
                f"this store embeds with {model_id!r} ({dim} dims)", hint=REBUILD_HINT)
        if manifest.database != database or manifest.workspace != workspace:
            raise VectorIndexError(f"the index in {folder} mirrors another database or workspace",
                                   hint=REBUILD_HINT)
        if manifest.kind not in vx.BACKENDS:
            raise VectorIndexError(f"the index in {folder} has unknown kind {manifest.kind!r}", hint=REBUILD_HINT)
        map_bytes = _read_checked(folder, manifest.files["map"])
        index_bytes = _read_checked(folder, manifest.files["index"]) if "index" in manifest.files else None
    try:
        arrays = dict(np.load(io.BytesIO(map_bytes), allow_pickle=False))
        id_map = decode_map(arrays)
        fidx = None
        if index_bytes is None and manifest.kind in FROM_DATABASE:
            if manifest.count != len(id_map):
                raise VectorIndexError(f"the index in {folder} lists {manifest.count} vectors but its map "
                                       f"{len(id_map)}", hint=REBUILD_HINT)
            return manifest, None, id_map
        if index_bytes is not None:
            faiss = vx.faiss_module()
            fidx = faiss.deserialize_index(np.frombuffer(index_bytes, dtype=np.uint8))
            if fidx.d != dim:
                raise VectorIndexError(f"the index in {folder} has {fidx.d} dims, its manifest says {dim}",
                                       hint=REBUILD_HINT)
        backend = vx.BACKENDS[manifest.kind].load(dim, fidx, arrays)
    except VectorIndexError:
        raise
    except Exception as exc:  # FAISS/numpy parse errors: translated at the boundary
        raise VectorIndexError(f"the index in {folder} could not be read: {exc}", hint=REBUILD_HINT) from exc
    if len(backend) != len(id_map) or manifest.count != len(id_map):
        raise VectorIndexError(f"the index in {folder} holds {len(backend)} vectors but its map {len(id_map)}",
                               hint=REBUILD_HINT)
    return manifest, backend, id_map
