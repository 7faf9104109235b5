"""The tiny host-side parent of every sandbox, run as ``python -S -E -c REAPER_SOURCE``.

Why it exists: bwrap's outer process exits as soon as the program does, while
bwrap's inner init (pid 1 of the sandbox, which reaped the program) is still
finishing. Its rusage (CPU time, peak memory of the program) then goes to
whoever reaps the orphan. This process marks itself a *child subreaper*, so the
orphan comes back to it; it reaps every descendant, sums their rusage and
reports it. It also means "the reaper exited" == "nothing of the run is left".

It runs as the caller (root in production) and drops to the run's uid in the
forked child before exec'ing prlimit/bwrap; it runs no untrusted code itself.
It dies with its parent (PR_SET_PDEATHSIG), and bwrap dies with it
(--die-with-parent). Kept in a string because it must start fast: no site,
no imports beyond os/sys/_ctypes (``_ctypes.call_function`` is CPython's private
helper; ``ctypes`` is the fallback).

argv: report_fd uid(-1 = keep ours) cgroup_procs("-" = none) command...
(with a cgroup, the forked child writes its pid to that ``cgroup.procs`` before dropping to ``uid``)
report lines: ``child PID`` right after fork, ``done UTIME STIME MAXRSS_KB WAITSTATUS`` at the end.
"""

REAPER_SOURCE = r'''
import os, sys
def main():
    report, uid, cgroup, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    try:  # _ctypes alone: `import ctypes` would cost ~10 ms of start-up on every run
        import _ctypes
        prctl_addr = _ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl")
        def prctl(*args):
            return _ctypes.call_function(prctl_addr, args)
    except (ImportError, AttributeError, OSError):
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl(1, 9, 0, 0, 0)    # PR_SET_PDEATHSIG = SIGKILL
    if prctl(36, 1, 0, 0, 0) != 0:   # PR_SET_CHILD_SUBREAPER
        os.write(2, b"qldrops sandbox: cannot become a child subreaper\n")
        os._exit(126)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(report)
            if cgroup != "-":
                fd = os.open(cgroup, os.O_WRONLY)
                os.write(fd, b"%d" % os.getpid())
                os.close(fd)
            if uid >= 0:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            os.execv(argv[0], argv)
        except BaseException as e:
            os.write(2, ("qldrops sandbox: cannot start %s: %s\n" % (argv[0], e)).encode())
        os._exit(127)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, report)
    os.closerange(report + 1, 1 << 20)
    os.write(report, b"child %d\n" % pid)
    ut = st = 0.0
    rss = 0
    first = -1
    while True:
        try:
            p, status, ru = os.wait4(-1, 0)
        except ChildProcessError:
            break
        ut += ru.ru_utime
        st += ru.ru_stime
        rss = max(rss, ru.ru_maxrss)
        if p == pid:
            first = status
    os.write(report, b"done %r %r %d %d\n" % (ut, st, rss, first))
main()
'''
