"""Build the demo plan: a deterministic list of store operations.

Each record is a dict with ``op``:

* ``"put"``: a new drop: ``workflow_id, drop_type, artifact, metadata, capsule_id,
  created_by`` (what :meth:`Store.put_many` takes) plus ``ref``, the drop's name in
  the plan (``"<workflow_id>/<drop_type>"`` or ``".../code_generation/<n>"``).
* ``"update"``: a new version of the drop ``ref`` *in* ``workflow_id`` (for a fork,
  the copy of ``ref`` inside the forked workflow): ``artifact, metadata, message,
  created_by``.
* ``"fork"``: ``store.fork_workflow(src, dst)``, ``created_by``.

The seed changes only the incidental numbers (timestamps, token counts, models,
durations); the texts, the edits and the forks are the same for every seed, so
analyses and tests can rely on them.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from . import render
from .catalog import DROP_TYPES, Edit, Spec, files_in

#: Timestamps in metadata (``generated_at``) fall in the 30 days before this instant.
ANCHOR = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)
ANALYSTS = ("maya.chen", "lars.eriksen", "priya.nair", "tomasz.kowalski", "amara.okafor", "diego.ramirez")
MODELS = ("gpt-4o-2024-08-06", "claude-sonnet-4", "qwen2.5-coder-32b-instruct", "llama-3.1-70b-instruct")
_ABBR = {"prompt_enhancement": "pe", "frd_generation": "frd", "project_structure": "ps", "code_generation": "cg",
         "test_plan_generation": "tp", "documentation": "doc", "completion": "done"}

#: Problems planted on purpose, for the security and quality dashboards: (workflow, file, kind).
PLANTED: tuple[tuple[str, str, str], ...] = (
    ("wf-021-python-s3-backup", "backup/config.py", "hardcoded-aws-key"),
    ("wf-007-flask-calculator-api", "app.py", "eval-of-user-input"),
    ("wf-007-flask-calculator-api", "app.py", "flask-debug-on-all-interfaces"),
    ("wf-030-python-git-stats", "gitstats.py", "subprocess-shell-true"),
    ("wf-016-flask-notes-app", "notes/app.py", "sql-by-string-formatting"),
    ("wf-022-php-user-search", "public/search.php", "sql-by-string-formatting"),
    ("wf-022-php-user-search", "public/search.php", "reflected-xss"),
    ("wf-031-python-order-processor", "orders.py", "deep-nesting-long-function"),
    ("wf-032-js-form-validator", "public/js/validate.js", "deep-nesting-long-function"),
)


def specs() -> list[Spec]:
    """All workflow specs, ordered by number (imported lazily: they are big strings)."""
    from .specs_tools import SPECS as tools
    from .specs_web import SPECS as web

    out = sorted(web + tools, key=lambda s: s.num)
    nums = [s.num for s in out]
    if len(set(nums)) != len(nums):  # a programming error in the catalog, caught by the tests
        raise AssertionError(f"duplicate workflow numbers in the demo catalog: {nums}")
    return out


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _sections(markdown: str) -> int:
    return sum(1 for line in markdown.splitlines() if line.startswith("## "))


def _apply(edit: Edit, text: str, where: str) -> str:
    if edit.text is not None:
        return edit.text
    for old, new in edit.replace:
        if old not in text:
            raise AssertionError(f"demo edit {edit.message!r} on {where}: {old[:60]!r} not found")
        text = text.replace(old, new)
    return text


class _Planner:
    """Accumulates records and the current text/metadata of every drop."""

    def __init__(self, seed: int):
        self.seed = seed
        self.puts: list[dict] = []
        self.later: list[tuple[dt.datetime, int, dict]] = []
        self.state: dict[tuple[str, str], tuple[str, dict]] = {}

    def rng(self, *key: object) -> random.Random:
        return random.Random(":".join(map(str, ("qldrops-demo", self.seed, *key))))

    def workflow(self, spec: Spec, start: dt.datetime) -> None:
        rng = self.rng(spec.num)
        model = rng.choice(MODELS)
        wf, owner = spec.workflow_id, spec.owner or rng.choice(ANALYSTS)
        common_tags = sorted({*spec.tags, "demo"})
        # "runnable" marks the code drops a sandbox can run as they are (one file, prints something).
        t = start
        texts: dict[str, str] = {}

        def put(drop_type: str, artifact: str, meta: dict, n: int | None = None, tags: tuple[str, ...] = ()) -> None:
            nonlocal t
            t += dt.timedelta(seconds=rng.randint(20, 400))
            ref = f"{wf}/{drop_type}" + ("" if n is None else f"/{n}")
            meta = {**meta, "generated_at": _iso(t), "model": model, "tags": sorted({*common_tags, *tags})}
            cap = f"cap-{spec.num:03d}-{_ABBR[drop_type]}{'' if n is None else n}"
            self.puts.append({"op": "put", "ref": ref, "workflow_id": wf, "drop_type": drop_type, "artifact": artifact,
                              "metadata": meta, "capsule_id": cap, "created_by": owner})
            self.state[(wf, ref)] = (artifact, meta)
            texts[ref] = artifact

        pe = render.enhanced_prompt(spec)
        put("prompt_enhancement", pe, {"original_prompt": spec.prompt, "tokens": _tokens(pe) + rng.randint(0, 40)})
        doc = render.frd(spec)
        put("frd_generation", doc, {"title": f"Functional Requirements: {spec.title}", "sections": _sections(doc)})
        put("project_structure", render.tree(spec), {"files": spec.all_files(), "project_type": spec.project_type})
        for n, code in enumerate(spec.code):
            paths = files_in(code.text)
            put("code_generation", code.text, {"language": code.language or spec.language, "filename": paths[0],
                                               "framework": code.framework or spec.framework, "files": paths}, n,
                ("runnable",) if code.runnable else ())
        plan = render.test_plan(spec)
        put("test_plan_generation", plan, {"framework": spec.test_framework or "default", "cases": len(spec.tests)})
        put("documentation", render.readme(spec), {"format": "markdown", "title": spec.title})
        self._completion(spec, wf, owner, model, spec.status, texts, put, rng)
        last = self._edits(spec, wf, spec.edits, owner, t, rng)
        if spec.fork is not None:
            # The fork copies the source as it is after all of the source's edits.
            dst = f"{wf}-b"
            when = last + dt.timedelta(hours=rng.randint(3, 30))
            self.later.append((when, 0, {"op": "fork", "src": wf, "dst": dst, "created_by": spec.fork.by}))
            for (w, ref), value in list(self.state.items()):
                if w == wf:
                    self.state[(dst, ref)] = value
            self._edits(spec, dst, spec.fork.edits, spec.fork.by, when, rng)

    def _completion(self, spec, wf, owner, model, status, texts, put, rng) -> None:
        files = sum(len(files_in(c.text)) for c in spec.code) if status != "failed" else 0
        tokens = int(sum(_tokens(x) for x in texts.values()) * rng.uniform(1.8, 2.6))
        duration = round(rng.uniform(25, 240) * (1.6 if status != "success" else 1.0), 1)
        art = render.completion(spec, status=status, duration_s=duration, files=files, tokens=tokens, model=model)
        put("completion", art, {"status": status, "duration_s": duration, "files_generated": files, "tokens": tokens})

    def _edits(self, spec: Spec, wf: str, edits: tuple[Edit, ...], by: str, after: dt.datetime, rng) -> dt.datetime:
        """Plan the edits of one workflow; return the time of the last one."""
        t = after
        for edit in edits:
            t += dt.timedelta(hours=rng.randint(2, 30), minutes=rng.randint(0, 59))
            kind, _, n = edit.target.partition(":")
            ref = f"{spec.workflow_id}/{kind}" + (f"/{n}" if n else "")
            text, meta = self.state[(wf, ref)]
            meta = {**meta, "generated_at": _iso(t)}
            if kind == "completion" and edit.status:
                record = json.loads(text)
                record["status"] = edit.status
                record["files_generated"] = sum(len(files_in(c.text)) for c in spec.code)
                record["warnings"] = [f"rerun: {edit.message}"]
                record["steps"] = [{**s, "ok": True} for s in record["steps"]]
                new = json.dumps(record, indent=2) + "\n"
                meta.update(status=edit.status, files_generated=record["files_generated"])
            else:
                new = _apply(edit, text, f"{wf}/{ref}")
            if kind == "code_generation":
                paths = files_in(new)
                meta.update(files=paths, filename=paths[0])
            elif kind == "frd_generation":
                meta["sections"] = _sections(new)
            elif kind == "prompt_enhancement":
                meta["tokens"] = _tokens(new) + rng.randint(0, 40)
            self.state[(wf, ref)] = (new, meta)
            self.later.append((t, 1, {"op": "update", "ref": ref, "workflow_id": wf, "artifact": new,
                                      "metadata": meta, "message": edit.message, "created_by": edit.by or by}))
        return t


def build(seed: int = 0) -> list[dict]:
    """The whole plan: puts (in workflow order), then later edits and forks in time order."""
    all_specs = specs()
    planner = _Planner(seed)
    rng = planner.rng("timeline")
    first = ANCHOR - dt.timedelta(days=30)
    span = dt.timedelta(days=27)
    for i, spec in enumerate(all_specs):
        start = first + span * (i / max(1, len(all_specs) - 1)) + dt.timedelta(minutes=rng.randint(0, 600))
        planner.workflow(spec, start)
    # A fork must come after the edits of its source that happened before it, and a
    # fork's own edits after the fork: sort by time, forks first at equal times.
    later = [r for _, _, r in sorted(planner.later, key=lambda x: (x[0], x[1]))]
    _check_order(later)
    return planner.puts + later


def _check_order(later: list[dict]) -> None:
    forked: set[str] = set()
    for r in later:
        if r["op"] == "fork":
            forked.add(r["dst"])
        elif r["workflow_id"].endswith("-b") and r["workflow_id"] not in forked:
            raise AssertionError(f"demo plan edits {r['workflow_id']} before forking it")


assert set(_ABBR) == set(DROP_TYPES)
