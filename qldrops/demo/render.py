"""Turn a :class:`~.catalog.Spec` into the text of each non-code drop.

The wording mimics what the generation pipeline emits: one template per drop
type, filled with the workflow's own requirements, so documents of different
workflows share a skeleton (as real pipeline output does) but differ in
substance.
"""

from __future__ import annotations

import json

from .catalog import LANG_INFO, Spec


def _lang(spec: Spec) -> tuple[str, str, str]:
    return LANG_INFO[spec.language]


def enhanced_prompt(spec: Spec) -> str:
    """The prompt after enhancement: the user's ask made explicit and checkable."""
    name, conventions, test_cmd = _lang(spec)
    fw = "" if spec.framework in ("none", "") else f" using {spec.framework}"
    reqs = "\n".join(f"{i}. {f[0].upper()}{f[1:]}." for i, f in enumerate(spec.features, 1))
    files = "\n".join(f"- `{p}`" for p in spec.all_files())
    return (
        f"# Task: {spec.title}\n\n"
        f"## Original request\n\n> {spec.prompt}\n\n"
        f"## Goal\n\nWrite a {spec.project_type} in {name}{fw}. {spec.summary}\n\n"
        f"## Functional requirements\n\n{reqs}\n\n"
        f"## Constraints\n\n- Follow {name} conventions: {conventions}.\n"
        f"- Produce complete, compilable files; no placeholders, no TODOs.\n"
        f"- Validate every external input and return clear error messages.\n"
        f"- Keep functions short and name things for what they do.\n\n"
        f"## Deliverables\n\n{files}\n\n"
        f"## Definition of done\n\n- `{test_cmd}` passes with the cases of the test plan.\n"
        f"- The README explains how to run it in two commands or fewer.\n"
    )


def frd(spec: Spec) -> str:
    """A functional requirements document in Markdown."""
    name, _, _ = _lang(spec)
    frs = "\n".join(f"| FR-{i} | {f[0].upper()}{f[1:]} | {'Must' if i <= 3 else 'Should'} |"
                    for i, f in enumerate(spec.features, 1))
    acc = "\n".join(f"- [ ] {t[0].upper()}{t[1:]}" for t in spec.tests)
    questions = spec.notes or (f"Is {spec.framework if spec.framework != 'none' else name} mandated, or only preferred?",
                               "Which environments must this run in besides local development?")
    oq = "\n".join(f"- {q}" for q in questions)
    return (
        f"# Functional Requirements: {spec.title}\n\n"
        f"## Overview\n\n{spec.summary}\n\n"
        f"## Scope\n\nIn scope: the {spec.project_type} described below, its tests and its README. "
        f"Out of scope: deployment pipelines, monitoring and user management unless listed.\n\n"
        f"## Functional Requirements\n\n| ID | Requirement | Priority |\n|----|-------------|----------|\n{frs}\n\n"
        f"## Non-functional Requirements\n\n- Implementation language: {name}"
        f"{'' if spec.framework in ('none', '') else f', framework: {spec.framework}'}.\n"
        f"- Errors are reported with actionable messages; nothing fails silently.\n"
        f"- The code passes the language's standard linter without warnings.\n\n"
        f"## Acceptance Criteria\n\n{acc}\n\n"
        f"## Open Questions\n\n{oq}\n"
    )


def tree(spec: Spec) -> str:
    """The project layout in the style of the `tree` command."""
    root = spec.workflow_id.split("-", 2)[2]
    paths = spec.all_files()
    if "README.md" not in paths:
        paths.append("README.md")
    nested: dict = {}
    for p in paths:
        node = nested
        for part in p.split("/"):
            node = node.setdefault(part, {})
    lines = [f"{root}/"]

    def walk(node: dict, prefix: str) -> None:
        items = sorted(node.items(), key=lambda kv: (not kv[1], kv[0]))  # folders first
        for i, (name, child) in enumerate(items):
            last = i == len(items) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{name}{'/' if child else ''}")
            walk(child, prefix + ("    " if last else "│   "))

    walk(nested, "")
    dirs = sum(1 for ln in lines[1:] if ln.endswith("/"))
    lines.append(f"\n{dirs} directories, {len(lines) - 1 - dirs} files")
    return "\n".join(lines) + "\n"


def test_plan(spec: Spec) -> str:
    """A test plan: one row per case, with a level and a priority."""
    levels = ("unit", "unit", "integration", "unit", "integration", "e2e")
    rows = "\n".join(
        f"| TC-{i:02d} | {t[0].upper()}{t[1:]} | {levels[(i - 1) % len(levels)]} | {'P1' if i <= 2 else 'P2'} |"
        for i, t in enumerate(spec.tests, 1)
    )
    _, _, cmd = _lang(spec)
    return (
        f"# Test Plan: {spec.title}\n\n"
        f"Framework: {spec.test_framework or 'default for ' + spec.language}. Run with `{cmd}`.\n\n"
        f"| ID | Case | Level | Priority |\n|----|------|-------|----------|\n{rows}\n\n"
        f"## Test data\n\nFixtures are created per test and removed afterwards; no test depends on another's state.\n\n"
        f"## Exit criteria\n\nAll P1 cases pass; P2 failures are triaged before release.\n"
    )


def readme(spec: Spec) -> str:
    """The generated README."""
    name, _, cmd = _lang(spec)
    feats = "\n".join(f"- {f[0].upper()}{f[1:]}" for f in spec.features)
    run = "\n".join(spec.run) or cmd
    layout = "\n".join(f"- `{p}`" for p in spec.all_files())
    return (
        f"# {spec.title}\n\n{spec.summary}\n\n"
        f"## Features\n\n{feats}\n\n"
        f"## Quick start\n\n```sh\n{run}\n```\n\n"
        f"## Project layout\n\n{layout}\n\n"
        f"## Requirements\n\n{name}"
        f"{'' if spec.framework in ('none', '') else f' and {spec.framework}'}.\n\n"
        f"## Testing\n\n```sh\n{cmd}\n```\n"
    )


def completion(spec: Spec, *, status: str, duration_s: float, files: int, tokens: int, model: str) -> str:
    """The completion record the pipeline writes last, as pretty JSON."""
    steps = ["prompt_enhancement", "frd_generation", "project_structure", "code_generation",
             "test_plan_generation", "documentation"]
    warnings: list[str] = []
    if status == "partial":
        warnings.append("test generation timed out; test files listed but not written")
    if status == "failed":
        warnings.append("generated code did not compile in the verification step")
    record = {
        "workflow_id": spec.workflow_id,
        "status": status,
        "duration_s": duration_s,
        "files_generated": files,
        "tokens": tokens,
        "model": model,
        "steps": [{"step": s, "ok": not (status == "failed" and s == "code_generation")} for s in steps],
        "warnings": warnings,
    }
    return json.dumps(record, indent=2) + "\n"
