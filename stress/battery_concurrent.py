"""Concurrent writers with forks and updates, on SQLite and PostgreSQL.

Three processes at once put drops, update five shared drops (no expected version:
last writer wins, but every acknowledged version must exist with its content) and
fork a workflow the others keep writing into. Afterwards: every acknowledged put
and version is there with the content the writer was told, every drop's versions
run 1..n without a gap, and every fork holds as many drops as the fork reported.
Errors a writer saw (busy database, conflicts) count as ``failed``.
"""

from __future__ import annotations

import time
from pathlib import Path

from .common import Config, Result, connect, pg_database, spawn

WRITERS = 3

CHILD = """
import random, sys, time
from pathlib import Path
from stress.common import connect
store = connect(sys.argv[1], Path(sys.argv[2]))
me, seconds, shared = int(sys.argv[3]), float(sys.argv[4]), [int(x) for x in sys.argv[5].split(",")]
r = random.Random(me)
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    i += 1
    op = r.choice(("put", "put", "update", "update", "fork"))
    try:
        if op == "put":
            d = store.put(workflow_id="conc-src", drop_type="code_generation", artifact=f"w{me} put {i} " + "p" * r.randint(0, 300))
            print("put", d.id, d.content_hash, flush=True)
        elif op == "update":
            d = store.update(r.choice(shared), artifact=f"w{me} update {i} " + "u" * r.randint(0, 300))
            print("upd", d.id, d.version, d.content_hash, flush=True)
        else:
            target = f"fork-{me}-{i}"
            forked = store.fork_workflow("conc-src", target)
            print("fork", target, len(forked), flush=True)
    except Exception as e:
        print("err", op, type(e).__name__, str(e).splitlines()[0][:120].replace(" ", "_"), flush=True)
print("end", flush=True)
"""


def _one(cfg: Config, name: str, url: str, folder: Path) -> Result:
    res = Result(f"concurrent_{name}")
    store = connect(url, folder)
    try:
        shared = [store.put(workflow_id="conc-shared", drop_type="code_generation", artifact=f"shared {i}").id
                  for i in range(5)]
        store.put(workflow_id="conc-src", drop_type="code_generation", artifact="the first drop to fork")
        seconds = min(cfg.seconds, 60.0 if cfg.full else 15.0)
        children = [spawn(CHILD, url, str(folder), str(me), str(seconds), ",".join(map(str, shared)))
                    for me in range(WRITERS)]
        lines: list[str] = []
        for child in children:
            out, err = child.communicate(timeout=seconds + 180)
            lines += out.decode().splitlines()
            if child.returncode != 0:
                res.failed += 1
                res.note(f"a writer exited {child.returncode}: {err.decode()[-300:]}")
        errors: dict[str, int] = {}
        for line in lines:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "put":
                drop_id, digest = int(parts[1]), parts[2]
                try:
                    ok = store.get(drop_id, version=1).content_hash == digest
                except Exception:
                    ok = False
                res.guard(ok, f"acknowledged put {drop_id} missing or changed")
            elif parts[0] == "upd":
                drop_id, version, digest = int(parts[1]), int(parts[2]), parts[3]
                try:
                    ok = store.get(drop_id, version=version).content_hash == digest
                except Exception:
                    ok = False
                res.guard(ok, f"acknowledged version {version} of drop {drop_id} missing or changed")
            elif parts[0] == "fork":
                have = len(store.list(workflow_id=parts[1]))
                res.guard(have == int(parts[2]), f"fork {parts[1]} reported {parts[2]} drops, holds {have}")
            elif parts[0] == "err":
                res.tried += 1
                res.failed += 1
                key = f"{parts[1]}: {parts[2]} {parts[3].replace('_', ' ')[:80]}"
                errors[key] = errors.get(key, 0) + 1
        for drop_id in shared:
            versions = sorted(v.version for v in store.history(drop_id))
            res.guard(versions == list(range(1, len(versions) + 1)), f"drop {drop_id} versions have gaps: {versions[:20]}")
        for key, n in sorted(errors.items(), key=lambda kv: -kv[1])[:6]:
            res.note(f"observed: {n} x {key}")
    finally:
        store.close()
    return res


def run(cfg: Config) -> list[Result]:
    start = time.monotonic()
    out = [_one(cfg, "sqlite", f"sqlite:///{cfg.workdir / 'c.db'}", cfg.workdir / "sqlite")]
    with pg_database() as url:
        out.append(_one(cfg, "postgresql", url, cfg.workdir / "pg"))
    out[-1].note(f"both databases in {time.monotonic() - start:.0f} s")
    return out
