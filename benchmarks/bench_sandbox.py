"""Sandbox overhead: a ``print("hi")`` run through ``run_files`` against a bare subprocess
of the same interpreter, in the same run (interleaved, so machine load hits both alike).

Rows (each p50/p90 in ms, and the ratio of p50s to the bare subprocess):

* ``bare``      ``subprocess.run([python3, -E -s -B -u, main.py])`` on a file in a temp dir, with the
                sandbox's three environment variables
* ``bwrap``     the same command under prlimit + bwrap with the runner's exact arguments and
                uid switch, but without the reaper or the supervisor loop (what bwrap costs)
* ``reaper``    the runner's host-side reaper (``python -S -c``) starting ``/bin/true``: its own cost
* ``run_files`` the whole runner: validation, memfds, reaper, bwrap, output loop, rusage
* ``node``      the same three for ``console.log("hi")`` under node (whole runner vs bare)

Run: ``.venv/bin/python benchmarks/bench_sandbox.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qldrops.runner import Limits, run_files
from qldrops.runner.files import prepare
from qldrops.runner.languages import get_language
from qldrops.runner.sandbox import BwrapSandbox, Plan, allocate_uid, can_switch_uid
from qldrops.runner.supervise import _python


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _bwrap_only(lang_name: str, entry: str, code: str) -> None:
    """prlimit + bwrap with the runner's arguments, run by a plain subprocess.run."""
    lang = get_language(lang_name)
    interpreter, binds = lang.resolve()
    project, entry_path = prepare({entry: code}, entry, max_files=10, max_bytes=1 << 20)
    uid = allocate_uid() if can_switch_uid() else None
    launch = BwrapSandbox().command(Plan(argv=lang.argv(interpreter, entry_path), project=project, limits=Limits(),
                                         extra_ro_binds=binds, host_uid=uid))
    try:
        kw = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
        out = subprocess.run(launch.argv, check=False, capture_output=True, pass_fds=launch.pass_fds, env={"PATH": "/usr/bin"},
                             **kw)
    finally:
        launch.close()
    assert out.stdout == b"hi\n", out.stderr


def _reaper_only() -> None:
    from qldrops.runner._reaper import REAPER_SOURCE

    r, w = os.pipe()
    try:
        subprocess.run([_python(), "-S", "-E", "-s", "-B", "-c", REAPER_SOURCE, str(w), "-1", "/bin/true"],
                       pass_fds=[w], capture_output=True, check=True)
    finally:
        os.close(w)
        os.close(r)


def _case(lang_name: str, entry: str, code: str, n: int, with_bwrap: bool) -> dict:
    interpreter, _ = get_language(lang_name).resolve()
    flags = list(get_language(lang_name).flags)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / entry
        path.write_text(code)
        bare_cmd = [interpreter, *flags, str(path)]
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": d, "LANG": "C.UTF-8"}

        def bare():
            # the sandbox's environment, so both runs load the same things (the host's
            # NODE_EXTRA_CA_CERTS, for one, makes a bare node read the CA bundle at start-up)
            out = subprocess.run(bare_cmd, check=False, capture_output=True, cwd=d, env=env)
            assert out.stdout == b"hi\n"

        def full():
            r = run_files({entry: code}, entry)
            assert r.status == "ok" and r.stdout == "hi\n", r

        fns = {"bare": bare, "run_files": full}
        if with_bwrap:
            fns["bwrap"] = lambda: _bwrap_only(lang_name, entry, code)
            fns["reaper"] = _reaper_only
        for fn in fns.values():  # warm the page cache and the interpreter's imports
            fn()
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(n):
            for name, fn in fns.items():
                times[name].append(_timed(fn))
    base = statistics.median(times["bare"])
    out = {}
    for name, xs in times.items():
        p50 = statistics.median(xs)
        out[name] = {"p50_ms": round(p50, 2), "p90_ms": round(_pct(xs, 90), 2),
                     "ratio_p50_vs_bare": round(p50 / base, 2), "overhead_p50_ms": round(p50 - base, 2)}
    return out


def main(quick: bool = False) -> dict:
    n = 10 if quick else 40
    result = {
        "runs_per_row": n,
        "python": _case("python", "main.py", 'print("hi")\n', n, with_bwrap=True),
        "node": _case("javascript", "main.js", 'console.log("hi")\n', max(5, n // 2), with_bwrap=False),
        "uid_switch": can_switch_uid(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
