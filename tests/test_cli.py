"""The CLI: one library call per command, clear errors, fast help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qldrops.cli import main


def run(capsys, *args, input_text=None, monkeypatch=None):
    if input_text is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(input_text.encode())))
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QLDROPS_DATABASE_URL", db_url)
    monkeypatch.setenv("QLDROPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QLDROPS_PROGRESS", "0")
    return db_url


def test_put_get_update_history_diff_rollback(db, capsys, monkeypatch, tmp_path):
    f = tmp_path / "main.go"
    f.write_text("package main\n")
    code, out, err = run(capsys, "--json", "put", "--workflow", "wf-1", "--type", "code_generation", "--file",
                         str(f), "-m", '{"language": "go"}')
    assert code == 0, err
    drop_id = json.loads(out)["id"]
    assert run(capsys, "get", str(drop_id))[1] == "package main\n"
    f.write_text("package main\n\nfunc main() {}\n")
    assert run(capsys, "update", str(drop_id), "--file", str(f), "--expected-version", "1")[0] == 0
    code, out, _ = run(capsys, "--json", "history", str(drop_id))
    assert [v["version"] for v in json.loads(out)] == [1, 2]
    code, out, _ = run(capsys, "diff", str(drop_id), "1", "2")
    assert "+func main() {}" in out and "2 added, 0 removed" in out
    assert run(capsys, "rollback", str(drop_id), "--to", "1")[0] == 0
    assert run(capsys, "get", str(drop_id))[1] == "package main\n"
    code, out, _ = run(capsys, "--json", "list", "--workflow", "wf-1")
    assert json.loads(out)[0]["version"] == 3
    code, out, _ = run(capsys, "search", "main")
    assert "wf-1" in out
    code, out, _ = run(capsys, "--json", "stats")
    assert json.loads(out)["versions"] == 3


def test_errors_are_one_line_with_advice_and_exit_2(db, capsys):
    code, out, err = run(capsys, "get", "424242")
    assert code == 2 and "drop 424242 does not exist" in err and "→" in err and "Traceback" not in err
    code, out, err = run(capsys, "update", "1", "--expected-version", "5", "-m", "{bad json")
    assert code != 0 and "not valid JSON" in err


def test_import_export_delete_restore_fork(db, capsys, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"workflow_id": "wf-9", "drop_type": "documentation",
                                         "artifact": f"doc {i}"}) for i in range(3)) + "\n")
    code, out, err = run(capsys, "--json", "import", str(src))
    assert code == 0, err and json.loads(out)["drops"] == 3
    assert run(capsys, "delete", "1")[0] == 0
    assert run(capsys, "get", "1")[0] == 2
    assert run(capsys, "restore", "1")[0] == 0
    assert run(capsys, "fork", "wf-9", "wf-9-b")[0] == 0
    dest = tmp_path / "out.jsonl"
    assert run(capsys, "export", str(dest))[0] == 0
    assert len(dest.read_text().splitlines()) == 4  # 3 drops + 1 fork line
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"workflow_id": "w", "drop_type": "documentation", "artifact": "x"}\nnot json\n')
    code, _, err = run(capsys, "import", str(bad))
    assert code == 2 and "line 2" in err


def test_help_is_fast_and_imports_nothing_heavy():
    probe = ("import sys; from qldrops.cli import main; "
             "code = main(['--help']); "
             "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'voila', 'pandas', 'sqlalchemy', "
             "'lizard', 'duckdb', 'ray', 'distributed') if m in sys.modules]; print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    assert "Commands:" in out and "serve" in out and "similar" in out


def test_import_qldrops_is_light():
    probe = "import sys, qldrops; print([m for m in ('torch', 'sqlalchemy', 'pandas', 'faiss', 'ray') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
