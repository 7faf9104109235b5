"""The demo corpus: deterministic, rich enough for every dashboard, and loadable once.

The plan tests need no database; the load tests use the contract fixtures
(SQLite always, PostgreSQL when available).
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from qldrops import demo
from qldrops.analysis import splitter
from qldrops.demo.catalog import DROP_TYPES, files_in
from qldrops.demo.corpus import ANCHOR, PLANTED
from qldrops.store.types import builtin_schema, validate_metadata

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_LANGUAGES = {"python", "typescript", "javascript", "go", "rust", "java", "sql", "shell"}

# The metadata keys (and their types) the lead's per-type schemas allow: the corpus uses only these.
ALLOWED_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "prompt_enhancement": {"original_prompt": str, "model": str, "tokens": int},
    "frd_generation": {"title": str, "sections": int},
    "project_structure": {"files": list, "project_type": str},
    "code_generation": {"language": str, "filename": str, "framework": str, "files": list},
    "test_plan_generation": {"framework": str, "cases": int},
    "documentation": {"format": str, "title": str},
    "completion": {"status": str, "duration_s": float, "files_generated": int, "tokens": int},
}
COMMON_KEYS = {"generated_at": str, "model": str, "tags": list}


@pytest.fixture(scope="module")
def recs() -> list[dict]:
    return demo.records()


def puts(recs):
    return [r for r in recs if r["op"] == "put"]


def split_files(text: str) -> dict[str, str]:
    """File path -> its text, for a drop that holds several files (the analysis package's splitter)."""
    return {piece.path: piece.text for piece in splitter.split_files(text) if piece.path}


# ------------------------------------------------------------------ determinism
def test_same_seed_gives_identical_records(recs):
    assert json.dumps(recs, sort_keys=True) == json.dumps(demo.records(0), sort_keys=True)


def test_other_seed_changes_only_incidental_numbers(recs):
    other = demo.records(7)
    assert other != recs
    assert Counter(r["op"] for r in other) == Counter(r["op"] for r in recs)  # later ops may reorder in time
    texts = [(r.get("ref"), r.get("artifact")) for r in puts(recs) if r["drop_type"] != "completion"]
    assert texts == [(r.get("ref"), r.get("artifact")) for r in puts(other) if r["drop_type"] != "completion"]


def test_committed_jsonl_is_up_to_date():
    spec = importlib.util.spec_from_file_location("generate_demo", ROOT / "data" / "generate_demo.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "data" / "demo.jsonl").read_text(encoding="utf-8") == gen.render(0), \
        "data/demo.jsonl is stale: run `.venv/bin/python data/generate_demo.py`"


# ------------------------------------------------------------------ coverage
def test_at_least_40_workflows_each_with_all_seven_types(recs):
    types = defaultdict(set)
    for r in puts(recs):
        types[r["workflow_id"]].add(r["drop_type"])
    assert len(types) >= 40
    assert all(t == set(DROP_TYPES) for t in types.values()), {w: set(DROP_TYPES) - t for w, t in types.items()}


def test_code_in_at_least_eight_languages(recs):
    langs = Counter(r["metadata"]["language"] for r in puts(recs) if r["drop_type"] == "code_generation")
    assert REQUIRED_LANGUAGES <= set(langs)
    assert len(langs) >= 8


def test_some_drops_have_several_versions(recs):
    per_drop = Counter((r["workflow_id"], r["ref"]) for r in recs if r["op"] == "update")
    assert len(per_drop) >= 10
    assert max(per_drop.values()) >= 2  # some drop reaches version 3
    kinds = {r["message"].split(":")[0] for r in recs if r["op"] == "update"}
    assert {"fix", "feat", "refactor"} <= kinds


def test_forks_come_before_their_edits_and_change_something(recs):
    forks = [r for r in recs if r["op"] == "fork"]
    assert len(forks) >= 3
    seen: set[str] = set()
    edited: set[str] = set()
    for r in recs:
        if r["op"] == "fork":
            seen.add(r["dst"])
        elif r["op"] == "update" and r["workflow_id"].endswith("-b"):
            assert r["workflow_id"] in seen
            edited.add(r["workflow_id"])
    assert edited == seen


def test_near_duplicates_and_exact_duplicates(recs):
    code = {r["workflow_id"]: r["artifact"] for r in puts(recs) if r["drop_type"] == "code_generation"}
    for a, b in [("wf-001-jwt-auth-service", "wf-017-jwt-auth-service-v2"),
                 ("wf-026-python-word-frequency-cli", "wf-043-python-word-count-cli")]:
        assert code[a] != code[b]
        assert difflib.SequenceMatcher(None, code[a], code[b]).ratio() > 0.9
    by_text = defaultdict(set)
    for r in puts(recs):
        if r["drop_type"] == "code_generation":
            by_text[r["artifact"]].add(r["workflow_id"])
    assert sum(1 for wfs in by_text.values() if len(wfs) > 1) >= 2  # Dockerfile and retry helper


def test_planted_problems_are_in_the_code(recs):
    files = {}
    for r in puts(recs):
        if r["drop_type"] == "code_generation":
            for path, text in split_files(r["artifact"]).items():
                files[(r["workflow_id"], path)] = text
    patterns = {"hardcoded-aws-key": r"AKIA[0-9A-Z]{16}", "eval-of-user-input": r"\beval\(",
                "subprocess-shell-true": r"shell=True", "sql-by-string-formatting": r"SELECT .*(\{|\" \.)",
                "deep-nesting-long-function": r"\n {12,}if "}  # six levels of two-space (JS) or four-space nesting
    for wf, path, kind in PLANTED:
        assert (wf, path) in files, (wf, path)
        if kind in patterns:
            assert re.search(patterns[kind], files[(wf, path)]), (wf, path, kind)


def test_project_structure_lists_the_generated_files(recs):
    structure = {r["workflow_id"]: r for r in puts(recs) if r["drop_type"] == "project_structure"}
    for r in puts(recs):
        if r["drop_type"] == "code_generation":
            listed = structure[r["workflow_id"]]["metadata"]["files"]
            assert set(r["metadata"]["files"]) <= set(listed)
            assert r["metadata"]["filename"] == r["metadata"]["files"][0] == files_in(r["artifact"])[0]


# ------------------------------------------------------------------ metadata
def test_metadata_uses_only_agreed_keys_and_types(recs):
    for r in recs:
        if r["op"] == "fork":
            continue
        kind = r.get("drop_type") or r["ref"].split("/")[1]
        allowed = {**COMMON_KEYS, **ALLOWED_KEYS[kind]}
        for key, value in r["metadata"].items():
            assert key in allowed, (r["ref"], key)
            assert isinstance(value, allowed[key]) and not isinstance(value, bool), (r["ref"], key, value)
        if kind == "completion":
            assert r["metadata"]["status"] in {"success", "partial", "failed"}


def test_metadata_validates_against_the_store_schemas(recs):
    for r in recs:
        if r["op"] != "fork":
            kind = r.get("drop_type") or r["ref"].split("/")[1]
            validate_metadata(kind, r["metadata"], builtin_schema(kind))


def test_generated_at_spans_the_last_month(recs):
    times = [dt.datetime.fromisoformat(r["metadata"]["generated_at"]) for r in recs if "metadata" in r]
    assert all(ANCHOR - dt.timedelta(days=31) <= t <= ANCHOR for t in times)
    assert max(times) - min(times) > dt.timedelta(days=20)


def test_several_analysts_and_statuses(recs):
    assert len({r["created_by"] for r in recs if r["op"] != "update"}) >= 5
    statuses = Counter(r["metadata"]["status"] for r in puts(recs) if r["drop_type"] == "completion")
    assert statuses["success"] > statuses["partial"] >= 1 and statuses["failed"] >= 1


# ------------------------------------------------------------------ the code itself
def _all_versions_of_files(recs, suffixes):
    for r in recs:
        if r.get("op") in ("put", "update") and "/code_generation/" in r["ref"]:
            for path, text in split_files(r["artifact"]).items():
                if path.endswith(suffixes):
                    yield r["ref"], path, text


def test_every_python_file_parses(recs):
    n = 0
    for ref, path, text in _all_versions_of_files(recs, (".py",)):
        ast.parse(text, filename=f"{ref}:{path}")
        n += 1
    assert n >= 20


def _runnable(recs, suffix):
    for r in puts(recs):
        if r["drop_type"] == "code_generation" and "runnable" in r["metadata"]["tags"]:
            files = split_files(r["artifact"])
            if len(files) == 1 and r["metadata"]["filename"].endswith(suffix):
                yield r["workflow_id"], r["metadata"]["filename"], r["artifact"]


@pytest.mark.parametrize("suffix,cmd", [(".py", [sys.executable]), (".js", ["node"]), (".sh", ["bash"])])
def test_runnable_programs_print_something(recs, tmp_path, suffix, cmd):
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} is not installed")
    progs = list(_runnable(recs, suffix))
    assert progs, f"no runnable {suffix} program in the corpus"
    for wf, name, text in progs:
        path = tmp_path / Path(name).name
        path.write_text(text, encoding="utf-8")
        out = subprocess.run([*cmd, str(path)], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (wf, out.stderr)
        assert out.stdout.strip(), wf


def test_corpus_modules_stay_small():
    for path in (ROOT / "qldrops" / "demo").rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 600, path


# ------------------------------------------------------------------ loading into a store
def test_load_writes_everything_once(store):
    summary = demo.load(store, progress=False)
    assert not summary["skipped"]
    stats = store.stats()
    assert stats["drops"] == summary["drops"]
    assert stats["workflows"] == summary["workflows"] >= 45
    assert stats["versions"] == summary["drops"] + summary["versions_added"]

    again = demo.load(store, progress=False)
    assert again["skipped"]
    assert store.stats()["drops"] == stats["drops"]
    assert store.stats()["versions"] == stats["versions"]


def test_loaded_versions_and_forks_match_the_plan(sqlite_store):
    recs = demo.records()
    demo.load(sqlite_store, progress=False)
    jwt = sqlite_store.list(workflow_id="wf-001-jwt-auth-service", drop_type="code_generation")[0]
    assert jwt.version == 3
    assert "func (s *Signer) Refresh" in jwt.artifact and "c.ExpiresAt+60" not in jwt.artifact
    assert "c.ExpiresAt+60" in sqlite_store.get(jwt.id, version=1).artifact

    fork = sqlite_store.list(workflow_id="wf-001-jwt-auth-service-b", drop_type="code_generation")[0]
    assert fork.forked_from == jwt.id
    assert "loadUsers" in fork.artifact and "func (s *Signer) Refresh" in fork.artifact
    assert "loadUsers" not in jwt.artifact

    safe = sqlite_store.list(workflow_id="wf-007-flask-calculator-api-b", drop_type="code_generation")[0]
    assert "safe_eval" in safe.artifact
    final = {}
    for r in recs:
        if r["op"] in ("put", "update"):
            final[(r["workflow_id"], r["ref"])] = r["artifact"]
    loaded = {d.workflow_id: d for d in sqlite_store.list(drop_type="completion")}
    ktor = loaded["wf-014-ktor-notes-api"]
    assert ktor.metadata["status"] == "success" and ktor.artifact == final[("wf-014-ktor-notes-api",
                                                                            "wf-014-ktor-notes-api/completion")]


def test_load_keeps_exact_duplicates_as_one_blob(sqlite_store):
    demo.load(sqlite_store, progress=False)
    stats = sqlite_store.stats()
    assert stats["blobs"] < stats["versions"]
    assert stats["dedup_ratio"] > 1.0


def test_cli_demo_prepares_everything_once(sqlite_url, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from qldrops.cli import cli

    monkeypatch.setenv("QLDROPS_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("QLDROPS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    args = ["--db", sqlite_url, "--json", "demo", "--no-progress", "--no-serve", "--links", "2"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)
    assert result["summary"]["skipped"] is False and result["failed"] == []
    assert len(result["links"]) == 4 and all("/p/" in link["url"] for link in result["links"])
    second = runner.invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["summary"]["skipped"] is True
