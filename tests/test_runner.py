"""run_files under real bubblewrap: languages, limits, refusals, and hostile programs.

Every test that starts a sandbox is marked ``sandbox``. They fail (never skip)
when bwrap is missing: CI installs it, and a silent skip would hide a runner
that cannot run.
"""

from __future__ import annotations

import json
import os
import socket

import pytest

from qldrops.errors import SandboxError, ValidationError
from qldrops.runner import Limits, RunResult, run_files
from qldrops.runner.sandbox import UID_BASE, BwrapSandbox, can_switch_uid, pids_of_uid

sandbox = pytest.mark.sandbox


def run_py(code: str, **kw) -> RunResult:
    return run_files({"main.py": code}, entry="main.py", **kw)


def assert_nothing_left(r: RunResult) -> None:
    """No process of the run survives it (the per-run uid makes this checkable)."""
    uid = r.resources.get("host_uid")
    if uid is not None:
        assert uid >= UID_BASE
        assert pids_of_uid(uid, live_only=True) == []


# ---------------------------------------------------------------- languages


@sandbox
def test_python_project_with_imports_and_resources():
    r = run_files({"main.py": "import util\nfrom pkg import mod\nprint(util.X + mod.Y)\n",
                   "util.py": "X = 40\n", "pkg/__init__.py": "", "pkg/mod.py": "Y = 2\n"}, entry="main.py")
    assert r.status == "ok", r.stderr
    assert (r.exit_code, r.stdout, r.stderr, r.truncated, r.signal) == (0, "42\n", "", False, None)
    assert r.language == "python" and r.entry == "main.py"
    assert r.resources["cpu_s"] > 0 and r.resources["max_rss_kb"] > 1000
    assert r.duration_ms > 0 and r.started_at <= r.finished_at
    assert_nothing_left(r)


@sandbox
@pytest.mark.parametrize("name, code, expected", [
    ("app.js", "const m = require('./lib.js'); console.log('node', m.twice(21))", "node 42\n"),
    ("run.sh", ". ./lib.sh\necho \"sh $(twice 21)\"", "sh 42\n"),
    ("run.bash", "source lib.sh; arr=(a b); echo \"bash ${#arr[@]} $(twice 21)\"", "bash 2 42\n"),
])
def test_javascript_and_shells(name, code, expected):
    files = {name: code, "lib.js": "exports.twice = (x) => 2 * x;", "lib.sh": "twice() { echo $(( $1 * 2 )); }\n"}
    r = run_files(files, entry=name)
    assert r.status == "ok", r.stderr
    assert r.stdout == expected


@sandbox
def test_many_files_and_the_open_files_limit_inside():
    files = {f"pkg/m{i}.py": f"X = {i}\n" for i in range(300)}
    files["main.py"] = ("import os, resource\nprint(len(os.listdir('pkg')), resource.getrlimit(resource.RLIMIT_NOFILE)[0],"
                        " sorted(os.listdir('/proc/self/fd')))\n")
    r = run_files(files, "main.py", limits=Limits(open_files=40))
    assert r.status == "ok", r.stderr
    assert r.stdout == "300 40 ['0', '1', '2', '3']\n"  # no fd of the host or of bwrap leaks in


@sandbox
def test_language_from_argument_or_shebang():
    assert run_files({"script": "print(6 * 7)"}, entry="script", language="py").stdout == "42\n"
    assert run_files({"tool": "#!/usr/bin/env node\nconsole.log(42)"}, entry="tool").stdout == "42\n"


@sandbox
def test_exit_code_stderr_and_stdin():
    r = run_py("import sys\ndata = sys.stdin.read()\nprint(data.upper())\nprint('oops', file=sys.stderr)\n"
               "sys.exit(3)\n", stdin="hello")
    assert (r.status, r.exit_code, r.stdout, r.stderr) == ("error", 3, "HELLO\n", "oops\n")
    assert r.reason is None


@sandbox
def test_binary_and_invalid_utf8_output_is_kept_readable():
    r = run_py("import sys\nsys.stdout.buffer.write(b'a\\x00b\\xff\\xfe')\n")
    assert r.status == "ok"
    assert r.stdout == "a\x00b\ufffd\ufffd"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("files, entry, fragment", [
    ({"../x.py": "print(1)"}, "../x.py", "climbs out"),
    ({"a/../../x.py": "print(1)"}, "a/../../x.py", "climbs out"),
    ({"/etc/x.py": "print(1)"}, "/etc/x.py", "absolute"),
    ({"a\\b.py": "print(1)"}, "a\\b.py", "backslash"),
    ({"": "print(1)"}, "", "empty"),
    ({"a\x00.py": "print(1)"}, "a\x00.py", "NUL"),
    ({"main.py": "print(1)"}, "other.py", "not among"),
    ({"main.rb": "puts 1"}, "main.rb", "cannot tell the language"),
    ({"main.py": "print(1)"}, "main.py", None),  # language= below: unknown language
    ({"a": "x", "a/b.py": "print(1)"}, "a/b.py", "both a file and a folder"),
    ({"x.py": "1", "./x.py": "2"}, "x.py", "same path"),
    ({}, "main.py", "no files"),
    ({"main.py": 42}, "main.py", "not text"),
])
@sandbox
def test_unsafe_or_unrunnable_projects_are_refused(files, entry, fragment):
    language = "cobol" if fragment is None else None
    r = run_files(files, entry=entry, language=language)
    assert r.status == "refused"
    assert r.exit_code is None and r.stdout == ""
    assert r.reason and r.reason == r.stderr
    assert (fragment or "cannot run language 'cobol'") in r.reason


@sandbox
def test_too_many_or_too_large_files_are_refused():
    many = {f"f{i}.py": "" for i in range(11)}
    many["main.py"] = "print(1)"
    assert "more than the limit" in run_files(many, "main.py", limits=Limits(max_files=10)).reason
    big = {"main.py": "x = 1\n", "blob.txt": "x" * (600 * 1024)}
    assert "scratch space" in run_files(big, "main.py", limits=Limits(scratch_mb=1)).reason


@pytest.mark.parametrize("bad", [{"wall_s": 0}, {"cpu_s": 0}, {"memory_mb": 10**7}, {"processes": 1.5},
                                 {"output_bytes": "1"}, {"open_files": True}])
def test_limits_out_of_range_are_validation_errors(bad):
    with pytest.raises(ValidationError) as e:
        Limits(**bad)
    assert e.value.hint


def test_missing_bwrap_is_a_sandbox_error_with_the_install_command(tmp_path):
    with pytest.raises(SandboxError) as e:
        run_py("print(1)", sandbox=BwrapSandbox(bwrap=str(tmp_path / "bwrap")))
    assert "apt-get install -y bubblewrap" in str(e.value)


# ---------------------------------------------------------------- hostile programs


@sandbox
def test_fork_bomb_is_capped_by_the_process_limit():
    code = ("import os, time\nn = 0\nwhile True:\n    try:\n        pid = os.fork()\n    except OSError as e:\n"
            "        print('stopped after', n, e.errno)\n        break\n    if pid == 0:\n        time.sleep(2)\n"
            "        os._exit(0)\n    n += 1\n")
    r = run_py(code, limits=Limits(processes=16, wall_s=20))
    assert r.status == "ok", r.stderr
    forked, errno = (int(x) for x in r.stdout.split()[2:4])
    assert forked < 16 and errno == 11  # EAGAIN: RLIMIT_NPROC binds (it would not for root)
    assert_nothing_left(r)


@sandbox
def test_classic_bash_fork_bomb_is_contained_and_cleaned_up():
    r = run_files({"bomb.bash": ":(){ :|:& };:\nwait\n"}, entry="bomb.bash", limits=Limits(wall_s=3))
    assert r.status in ("timeout", "ok", "error")  # contained either way; usually the wall clock ends it
    assert_nothing_left(r)


@sandbox
def test_allocating_10_gb_fails_inside_the_sandbox():
    r = run_py("x = bytearray(10 * 1024**3)\nprint('allocated')\n")
    assert r.status == "error" and "MemoryError" in r.stderr and "allocated" not in r.stdout
    assert r.resources["max_rss_kb"] < 1024 * 1024


@sandbox
def test_infinite_loop_hits_the_wall_clock():
    r = run_py("print('start', flush=True)\nwhile True:\n    pass\n", limits=Limits(wall_s=1.5, cpu_s=60))
    assert r.status == "timeout" and r.exit_code is None
    assert r.signal_name == "SIGKILL" and "wall-clock" in r.reason
    assert r.stdout == "start\n"  # what it printed before the kill is kept
    assert_nothing_left(r)


@sandbox
def test_cpu_limit_kills_a_busy_loop():
    r = run_py("while True:\n    pass\n", limits=Limits(cpu_s=1, wall_s=60))
    assert r.status == "killed"
    assert r.signal_name in ("SIGXCPU", "SIGKILL") and r.reason == "CPU time limit reached"


@sandbox
def test_writing_1_gb_to_stdout_is_cut_at_the_cap_and_killed():
    cap = 100_000
    r = run_py("import sys\nb = b'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.buffer.write(b)\n",
               limits=Limits(output_bytes=cap))
    assert r.status == "killed" and r.truncated
    assert len(r.stdout) == cap and set(r.stdout) == {"x"}
    assert "output cap" in r.reason
    assert r.resources["stdout_bytes"] < 1024**3  # stopped long before the gigabyte
    assert_nothing_left(r)


@sandbox
def test_stderr_counts_towards_the_output_cap():
    r = run_py("import sys\nwhile True:\n    sys.stderr.write('e' * 4096)\n", limits=Limits(output_bytes=10_000))
    assert r.status == "killed" and r.truncated and len(r.stderr) == 10_000


@sandbox
def test_no_network_not_even_loopback_of_the_host():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        code = (
            "import socket\n"
            f"for host, port in [('127.0.0.1', 5432), ('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n"
            "    s = socket.socket(); s.settimeout(3)\n"
            "    try:\n"
            "        s.connect((host, port)); print(host, port, 'CONNECTED')\n"
            "    except OSError as e:\n"
            "        print(host, port, 'refused', e.errno)\n"
        )
        r = run_py(code)
    finally:
        listener.close()
    assert r.status == "ok", r.stderr
    assert "CONNECTED" not in r.stdout
    assert r.stdout.count("refused") == 3


@sandbox
def test_etc_shadow_and_host_etc_are_out_of_reach():
    code = ("import os\nfor p in ['/etc/shadow', '/etc/gshadow', '/etc/hostname', '/root']:\n"
            "    print(p, os.path.exists(p))\nprint(sorted(os.listdir('/etc')))\n")
    r = run_py(code)
    assert r.status == "ok", r.stderr
    lines = r.stdout.splitlines()
    assert all(line.endswith("False") for line in lines[:4])
    assert eval(lines[4]) == ["alternatives", "group", "ld.so.cache", "localtime", "passwd"]
    assert "root:" not in run_files({"s.sh": "cat /etc/passwd"}, "s.sh").stdout


@sandbox
def test_environment_holds_only_path_home_lang(monkeypatch):
    monkeypatch.setenv("QLDROPS_SECRET", "hunter2-do-not-leak")
    code = ("import os, json\nenvs = {}\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n"
            "        try:\n            envs[pid] = open(f'/proc/{pid}/environ', 'rb').read().decode()\n"
            "        except OSError:\n            pass\nprint(json.dumps({'env': dict(os.environ), 'procs': envs}))\n")
    r = run_py(code)
    assert r.status == "ok", r.stderr
    assert "hunter2" not in r.stdout and "QLDROPS" not in r.stdout
    env = json.loads(r.stdout)["env"]
    # bwrap adds PWD (the scratch dir) after its chdir; nothing else reaches the program.
    assert env == {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/sandbox", "LANG": "C.UTF-8", "PWD": "/sandbox"}
    assert len(json.loads(r.stdout)["procs"]) <= 3  # its own pid namespace: no host processes


@sandbox
def test_symlinks_out_of_scratch_reach_nothing_of_the_host(tmp_path):
    secret = tmp_path / "host-secret.txt"
    secret.write_text("TOP-SECRET")
    code = ("import os\n"
            f"targets = [{str(secret)!r}, '/root/.bashrc', '/etc/shadow', '/work/main/.git/config', '../../etc/shadow']\n"
            "for i, t in enumerate(targets):\n    os.symlink(t, f'link{i}')\n"
            "    try:\n        print(t, open(f'link{i}').read()[:40])\n"
            "    except OSError as e:\n        print(t, 'blocked', type(e).__name__)\n")
    r = run_py(code)
    assert r.status == "ok", r.stderr
    assert "TOP-SECRET" not in r.stdout
    assert r.stdout.count("blocked") == 5
    assert secret.read_text() == "TOP-SECRET"


@sandbox
def test_only_scratch_and_tmp_are_writable():
    code = ("import os\nfor p in ['/usr/evil', '/evil', '/etc/evil', '/dev/evil', '/proc/evil', '/sandbox/ok',"
            " '/tmp/ok']:\n    try:\n        open(p, 'w').write('x'); print(p, 'written')\n"
            "    except OSError as e:\n        print(p, 'blocked', e.errno)\n")
    r = run_py(code)
    assert r.status == "ok", r.stderr
    written = [line.split()[0] for line in r.stdout.splitlines() if line.endswith("written")]
    assert written == ["/sandbox/ok", "/tmp/ok"]
    assert not os.path.exists("/usr/evil") and not os.path.exists("/evil")


@sandbox
def test_file_size_limit_and_scratch_size():
    r = run_py("open('big', 'wb').write(b'x' * (40 << 20))\n", limits=Limits(file_size_mb=4))
    assert r.status in ("error", "killed") and ("File too large" in r.stderr or r.signal_name == "SIGXFSZ")
    r = run_py("for i in range(100):\n    open(f'f{i}', 'wb').write(b'x' * (1 << 20))\n",
               limits=Limits(scratch_mb=8, file_size_mb=4))
    assert r.status == "error" and "No space left" in r.stderr


@sandbox
def test_no_privileges_inside():
    code = ("import os\nst = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines()"
            " if ':\\t' in l)\nprint(os.getuid(), st['CapEff'], st['CapBnd'], st['NoNewPrivs'])\n")
    r = run_py(code)
    assert r.stdout.split() == ["65534", "0000000000000000", "0000000000000000", "1"]
    if can_switch_uid():
        assert r.resources["host_uid"] >= UID_BASE  # an unprivileged host uid, not root
    nested = run_files({"n.sh": "unshare --user true && echo NESTED || echo refused"}, "n.sh")
    assert "refused" in nested.stdout and "NESTED" not in nested.stdout


@sandbox
def test_a_daemonised_child_does_not_outlive_the_run():
    code = ("import os, subprocess\nsubprocess.Popen(['sleep', '300'], start_new_session=True,"
            " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\nif os.fork() == 0:\n    os.setsid()\n"
            "    os.execvp('sleep', ['sleep', '300'])\nprint('parent done')\n")
    r = run_py(code, limits=Limits(wall_s=30))
    assert r.status == "ok" and r.stdout == "parent done\n"  # ended with its main program, not the clock
    assert_nothing_left(r)


@sandbox
def test_concurrent_runs_are_isolated_from_each_other():
    from concurrent.futures import ThreadPoolExecutor

    code = "import os\nopen('mine', 'w').write(str(os.getpid()))\nprint(sorted(os.listdir('.')))\n"
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda i: run_files({f"main{i}.py": code}, f"main{i}.py"), range(3)))
    for i, r in enumerate(results):
        assert r.status == "ok", r.stderr
        assert r.stdout == str(sorted([f"main{i}.py", "mine"])) + "\n"
    if can_switch_uid():
        assert len({r.resources["host_uid"] for r in results}) == 3


def test_a_bash_shebang_beats_the_sh_extension():
    from qldrops.runner.languages import runtime_for

    assert runtime_for("rotate.sh", "#!/usr/bin/env bash\nset -o pipefail\n").name == "bash"
    assert runtime_for("plain.sh", "echo hi\n").name == "shell"
    assert runtime_for("tool", "#!/usr/bin/env python3\nprint(1)\n").name == "python"
