"""Hostile programs in the sandbox: each is one attempt at a guard.

Network, host files, a fork bomb, memory bombs (one process; many processes each
under its own cap), 1 GB of output, detached children, a symlink to
``/proc/1/root``, setuid and capabilities. After every run nothing may be left
running as the run's uid. Last, supervisors SIGKILLed mid-run: the next run must end
the sandboxes they left running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from .common import Config, Result, kill_supervisor, read_lines_until, spawn, wait_for_line

NETWORK = """
import socket
for host, port in (("127.0.0.1", 5432), ("127.0.0.1", 6379), ("10.0.2.2", 80), ("8.8.8.8", 53)):
    try:
        socket.create_connection((host, port), timeout=2).close()
        print("CONNECTED", host, port)
    except OSError as e:
        print("refused", host, port, e.errno)
print("interfaces", [n for _, n in socket.if_nameindex()])
"""

HOST_FILES = """
import os
for path in ("/etc/shadow", "/etc/hostname", "/root", "/work", "/home", "/var", "/proc/1/environ",
             "/usr/../work", "/etc/ssh", "/run", "/sys/class/net"):
    try:
        if os.path.isdir(path):
            print("LISTED", path, os.listdir(path)[:3])
        else:
            with open(path, "rb") as fh:
                print("READ", path, fh.read()[:200])
    except OSError as e:
        print("denied", path, e.errno)
"""

FORK_BOMB = """
import os, time
n = 0
while True:
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
    except OSError:
        break
print("forked", n, flush=True)
"""

MEMORY_ONE = "x = b'x' * (8 * 1024**3)\\nprint('ALLOCATED')\\n"

MEMORY_MANY = """
import os, time
for i in range(10):
    if os.fork() == 0:
        try:
            x = b'x' * (400 * 1024 * 1024)
        except MemoryError:
            os._exit(3)
        time.sleep(30)
        os._exit(0)
for i in range(10):
    os.wait()
print('ALL ALIVE')
"""

OUTPUT = """
import sys
block = b"y" * (1 << 20)
for _ in range(1024):
    sys.stdout.buffer.write(block)
print("WROTE 1 GB")
"""

DETACHED = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    os._exit(0)
os.system("nohup sleep 60 >/dev/null 2>&1 &")
print("parent leaves", flush=True)
"""

PROC_ROOT = """
import os
os.symlink("/proc/1/root", "r")
for path in ("r/work", "r/etc/shadow", "r/root", "/proc/1/root/work", "/proc/1/cwd/../../work"):
    try:
        if os.path.isdir(path):
            print("LISTED", path, os.listdir(path)[:3])
        else:
            print("READ", path, len(open(path, "rb").read()))
    except OSError as e:
        print("denied", path, e.errno)
"""

SETUID = """
id -u
grep CapEff /proc/self/status
/usr/bin/mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED
cp /usr/bin/id ./myid && chmod 4755 ./myid && ./myid -u
/usr/bin/su -c 'echo BECAME ROOT' root </dev/null 2>/dev/null
python3 -c 'import os; os.setuid(0); print("SETUID WORKED")' 2>/dev/null
echo end
"""


@dataclass
class Case:
    name: str
    files: dict[str, str]
    entry: str
    limits: dict[str, Any]
    held: Callable[[Any], bool]


def _lines(r: Any) -> list[str]:
    return r.stdout.splitlines()


CASES = [
    Case("network", {"n.py": NETWORK}, "n.py", {}, lambda r: r.ok and "CONNECTED" not in r.stdout
         and "interfaces ['lo']" in r.stdout),
    # /proc/1 is the sandbox's own init (its pid namespace): readable, and it must hold no host environment.
    Case("host files", {"h.py": HOST_FILES}, "h.py", {},
         lambda r: r.ok and not any(ln.startswith(("READ", "LISTED")) and "/proc/1/environ" not in ln
                                    for ln in _lines(r))
         and not any(x in r.stdout for x in ("PYTHONPATH", "HOME=/root", "QLDROPS", "PGPASS"))),
    Case("fork bomb", {"f.py": FORK_BOMB}, "f.py", {"wall_s": 10},
         lambda r: r.stdout.startswith("forked") and int(r.stdout.split()[1]) < 16),
    Case("memory bomb, one process", {"m.py": MEMORY_ONE}, "m.py", {},
         lambda r: "ALLOCATED" not in r.stdout and r.resources.get("max_rss_kb", 0) < 2048 * 1024),
    Case("memory bomb, ten processes", {"mm.py": MEMORY_MANY}, "mm.py", {"wall_s": 30},
         lambda r: "ALL ALIVE" not in r.stdout and r.status == "killed"),
    Case("1 GB of output", {"o.py": OUTPUT}, "o.py", {"wall_s": 60},
         lambda r: r.truncated and len(r.stdout) <= 1_000_000 and "WROTE" not in r.stdout),
    Case("detached children", {"d.py": DETACHED}, "d.py", {}, lambda r: "parent leaves" in r.stdout),
    Case("symlink to /proc/1/root", {"p.py": PROC_ROOT}, "p.py", {},
         lambda r: r.ok and not any(ln.startswith(("READ", "LISTED")) for ln in _lines(r))),
    Case("setuid and capabilities", {"s.sh": SETUID}, "s.sh", {},
         lambda r: _lines(r)[:1] == ["65534"] and "CapEff:\t0000000000000000" in r.stdout
         and not any(x in r.stdout for x in ("MOUNTED", "BECAME ROOT", "SETUID WORKED"))
         and "\n0\n" not in r.stdout),
]


SUPERVISOR = """
from qldrops.runner.api import run_files
from qldrops.runner.models import Limits
print("go", flush=True)
run_files({"s.py": "import time\\nwhile True:\\n    time.sleep(1)\\n"}, "s.py", limits=Limits(wall_s=300))
"""


def _killed_supervisors(cfg: Config, res: Result) -> None:
    """SIGKILL a process mid-run: the next run must end what its sandbox left running."""
    from qldrops.runner.api import run_files
    from qldrops.runner.sandbox import orphaned_run_uids

    orphaned = 0
    cycles = cfg.cycles(3, 8)
    for i in range(cycles):
        child = spawn(SUPERVISOR)
        wait_for_line(child, "go")
        read_lines_until(child, time.monotonic() + 1.5)  # the sandbox is up by then
        kill_supervisor(child)
        orphaned += bool(orphaned_run_uids())
        run_files({"ok.py": "print(1)"}, "ok.py")  # the next run sweeps them
        still = orphaned_run_uids()
        res.guard(not still, f"killed supervisor {i}: {len(still)} orphaned run uid(s) still running")
    res.note(f"observed: {orphaned} of {cycles} SIGKILLed supervisors left their sandbox running; the next run ended it")


def run(cfg: Config) -> list[Result]:
    from qldrops.runner.api import run_files
    from qldrops.runner.models import Limits
    from qldrops.runner.sandbox import pids_of_uid

    res = Result("sandbox")
    deadline = time.monotonic() + max(cfg.seconds, 60.0)
    rounds = cfg.cycles(1, 3)
    for round_ in range(rounds):
        for case in CASES:
            if time.monotonic() > deadline:
                break
            r = run_files(case.files, case.entry, limits=Limits(**case.limits))
            held = False
            try:
                held = bool(case.held(r))
            except (ValueError, IndexError):
                held = False
            res.guard(held, f"{case.name}: {r!r} {r.stdout[-300:]!r}")
            uid = r.resources.get("host_uid")
            if uid is not None:
                left = pids_of_uid(int(uid), live_only=True)
                res.guard(not left, f"{case.name}: {len(left)} process(es) of the run's uid still running")
            if round_ == 0:
                res.note(f"{case.name}: {r.status} ({r.reason or 'exit ' + str(r.exit_code)}) in {r.duration_ms:.0f} ms")
    _killed_supervisors(cfg, res)
    return [res]
