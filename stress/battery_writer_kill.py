"""Writer kill loops on SQLite and PostgreSQL.

A child writes batches (``put_many``: one transaction each) of random size and
prints ``ack <batch> <size>`` after each commit; it is SIGKILLed at a random
moment. Afterwards every acknowledged batch must be there whole, and no batch,
acknowledged or not, may be half there (its size is in its workflow id).
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from .common import Config, Result, kill_and_drain, pg_database, read_lines_until, rng, start_ready

CHILD = """
import random, sys
from pathlib import Path
from stress.common import connect
store = connect(sys.argv[1], Path(sys.argv[2]))
batch, seed = int(sys.argv[3]), int(sys.argv[4])
r = random.Random(seed)
print("ready", flush=True)
while True:
    size = r.randint(1, 40)
    wf = f"stress-{batch}-{size}"
    store.put_many([{"workflow_id": wf, "drop_type": "code_generation",
                     "artifact": f"batch {batch} item {i} " + "x" * r.randint(0, 4000)} for i in range(size)])
    print(f"ack {batch} {size}", flush=True)
    batch += 1
"""


def _one_database(cfg: Config, name: str, url: str, folder: Path) -> Result:
    from .common import connect

    res = Result(f"writer_kill_{name}")
    r = rng(cfg, name)
    acked: dict[int, int] = {}
    next_batch = 0
    connect(url, folder).close()  # create the schema once, outside the kill loop
    deadline = time.monotonic() + cfg.seconds
    cycles = 0
    while time.monotonic() < deadline and cycles < cfg.cycles(6, 60):
        cycles += 1
        child = start_ready(res, CHILD, url, str(folder), str(next_batch), str(r.randrange(1 << 30)))
        if child is None:
            continue
        lines = read_lines_until(child, time.monotonic() + r.uniform(0.05, 1.5))
        lines += kill_and_drain(child)
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "ack":
                acked[int(parts[1])] = int(parts[2])
                next_batch = max(next_batch, int(parts[1]) + 1)
        next_batch += 1000  # an unacknowledged batch may still have committed: never reuse its number
    store = connect(url, folder)
    try:
        with store.reading() as conn:
            counts = dict(conn.execute(sa.text(
                "SELECT workflow_id, count(*) FROM drops WHERE workflow_id LIKE 'stress-%' GROUP BY workflow_id"
            )).all())
            if store.dialect == "sqlite":
                check = conn.execute(sa.text("PRAGMA integrity_check")).scalar()
                res.guard(check == "ok", f"SQLite integrity_check says {check!r}")
    finally:
        store.close()
    by_batch = {int(wf.split("-")[1]): (int(wf.split("-")[2]), n) for wf, n in counts.items()}
    for batch, size in acked.items():
        have = by_batch.get(batch, (size, 0))[1]
        res.guard(have == size, f"acknowledged batch {batch} has {have} of {size} drops")
    for batch, (size, have) in by_batch.items():
        if batch not in acked:
            res.guard(have == size, f"unacknowledged batch {batch} is half written ({have} of {size})")
    res.note(f"{cycles} kills, {len(acked)} acknowledged batches, {len(by_batch) - len(acked)} committed unacknowledged")
    return res


def run(cfg: Config) -> list[Result]:
    out = [_one_database(cfg, "sqlite", f"sqlite:///{cfg.workdir / 'w.db'}", cfg.workdir / "sqlite")]
    with pg_database() as url:
        out.append(_one_database(cfg, "postgresql", url, cfg.workdir / "pg"))
    return out
