"""Disk full: a SQLite store and its index folder on a 2 MB tmpfs, written until the disk refuses.

Every write until then was acknowledged; the refusal must be a QldropsError (an
instruction, not a raw driver error), and after it the database must reopen with
every acknowledged drop intact, and the index must save or refuse cleanly and open
again. Needs root for ``mount -t tmpfs``; without it the battery falls back to
SQLite's ``max_page_count`` and says so (a weaker test: that limit binds only the one
pooled connection that set it, and the index folder is not limited at all).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from .common import Config, Result, connect, rng


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[bool]:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(cfg: Config, res: Result, folder: Path, round_: int, page_limit: bool,
          grow: Callable[[], None]) -> None:
    from qldrops.errors import QldropsError

    r = rng(cfg, f"disk-{round_}")
    url = f"sqlite:///{folder / 'full.db'}"
    store = connect(url, folder)
    acked: dict[int, str] = {}
    refusal: BaseException | None = None
    try:
        if page_limit:
            with store.engine.connect() as conn:  # pages of 4 KB: ~2 MB
                conn.exec_driver_sql("PRAGMA max_page_count = 500")
        for i in range(10_000):
            text = f"round {round_} drop {i} " + base64.b64encode(r.randbytes(r.randint(1000, 30000))).decode()
            try:
                drop = store.put(workflow_id=f"full-{round_}", drop_type="code_generation", artifact=text)
            except QldropsError as e:
                refusal = e
                break
            except Exception as e:  # a raw driver error leaked past the boundary
                refusal = e
                res.failed += 1
                res.note(f"round {round_}: the refusal was a {type(e).__module__}.{type(e).__name__}: {e}")
                break
            acked[drop.id] = hashlib.sha256(text.encode()).hexdigest()
        res.tried += 1
        if refusal is None:
            res.note(f"round {round_}: the disk never filled")
        elif isinstance(refusal, QldropsError):
            res.note(f"round {round_}: refused after {len(acked)} drops: {type(refusal).__name__}: "
                     f"{str(refusal)[:100]}")
        try:  # the index on the full disk: saves or refuses, never half-saves
            store.index.sync(save=True)
        except QldropsError as e:
            res.note(f"round {round_}: index save refused: {type(e).__name__}")
        except Exception as e:
            res.failed += 1
            res.note(f"round {round_}: index save raised a raw {type(e).__name__}: {e}")
    finally:
        with contextlib.suppress(Exception):
            store.close()
    store = connect(url, folder)
    try:
        with store.reading() as conn:
            check = conn.execute(sa.text("PRAGMA integrity_check")).scalar()
        res.guard(check == "ok", f"round {round_}: integrity_check {check!r}")
        for drop_id, digest in acked.items():
            try:
                ok = hashlib.sha256(store.get(drop_id).artifact.encode()).hexdigest() == digest
            except QldropsError as e:
                ok = False
                res.note(f"drop {drop_id}: {e}")
            res.guard(ok, f"round {round_}: acknowledged drop {drop_id} missing or changed")
        try:  # still full: catching up needs to write embeddings into the database, so it may refuse
            store.index.open()
            store.index.sync(save=False)
            res.guard(store.index.verify().ok, f"round {round_}: the index does not verify on the full disk")
        except QldropsError as e:
            res.failed += 1
            res.note(f"round {round_}: on the full disk the index could not catch up: {type(e).__name__} "
                     f"({str(e).splitlines()[0][-60:]})")
    finally:
        store.close()
    grow()
    store = connect(url, folder)
    try:  # space again: everything acknowledged is there and the index opens, catches up and answers
        res.guard(len(store.list(workflow_id=f"full-{round_}")) >= len(acked),
                  f"round {round_}: drops missing once space came back")
        try:
            store.index.open()
            store.index.sync(save=True)
            res.guard(store.index.verify().ok, f"round {round_}: the index does not verify once space came back")
        except QldropsError as e:
            res.guard(False, f"round {round_}: the index did not open once space came back: {e}")
    finally:
        store.close()


def run(cfg: Config) -> list[Result]:
    res = Result("disk_full")
    rounds = cfg.cycles(2, 6)
    for round_ in range(rounds):
        folder = cfg.workdir / f"disk{round_}"
        with small_disk(folder, "2m") as mounted:
            if not mounted:
                res.note("observed: mount -t tmpfs was refused; fell back to SQLite max_page_count")
            def grow() -> None:
                if mounted:
                    subprocess.run(["mount", "-o", "remount,size=64m", str(folder)], check=True)
                # (max_page_count is a setting of one connection: it ended with the store that set it)

            _fill(cfg, res, folder, round_, page_limit=not mounted, grow=grow)
            if mounted:
                os.sync()
    return [res]
