"""The shapes the demo corpus is written in: a workflow spec, its edits and forks.

Specs live in :mod:`.specs_web` and :mod:`.specs_tools`; :mod:`.corpus` turns
them into a plan of store operations. Keeping the raw material declarative
means a reader can see at a glance what each demo workflow asked for and what
happened to it later (bug fixes, renames, forks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Drop types in the order a workflow emits them.
DROP_TYPES: tuple[str, ...] = (
    "prompt_enhancement",
    "frd_generation",
    "project_structure",
    "code_generation",
    "test_plan_generation",
    "documentation",
    "completion",
)

#: Display name, conventions the enhancer adds, and the test command, per language.
LANG_INFO: dict[str, tuple[str, str, str]] = {
    "python": ("Python 3.11", "type hints, PEP 8, no bare except, dependencies pinned in requirements.txt", "pytest -q"),
    "typescript": ("TypeScript 5", "strict mode, no `any`, ES modules, explicit return types on exports", "npm test"),
    "javascript": ("JavaScript (ES2022)", "const/let only, async/await, no global state", "npm test"),
    "go": ("Go 1.22", "gofmt, errors returned not panicked, context-aware handlers, table-driven tests", "go test ./..."),
    "rust": ("Rust 2021", "no unwrap in library code, clippy clean, errors with thiserror or io::Result", "cargo test"),
    "java": ("Java 21", "records for DTOs, constructor injection, Bean Validation on inputs", "./mvnw test"),
    "kotlin": ("Kotlin 1.9", "data classes, null-safety, coroutines for I/O", "./gradlew test"),
    "swift": ("Swift 5.9", "async/await, value types, @MainActor for UI state", "swift test"),
    "c": ("C11", "check every allocation, no VLAs, header guards, -Wall -Wextra clean", "make test"),
    "cpp": ("C++20", "RAII, no raw new/delete, const-correctness, header-only where small", "ctest"),
    "csharp": ("C# 12 / .NET 8", "minimal APIs, records, nullable reference types enabled", "dotnet test"),
    "ruby": ("Ruby 3.3", "RuboCop defaults, strong parameters, service objects for logic", "bin/rails test"),
    "php": ("PHP 8.3", "strict_types, PSR-12, validated requests", "php artisan test"),
    "sql": ("PostgreSQL 15 SQL", "explicit column lists, indexes for every filter, CTEs over nested subqueries", "psql -f tests.sql"),
    "shell": ("Bash 5", "set -euo pipefail, quoted expansions, shellcheck clean", "bats tests"),
    "dockerfile": ("Dockerfile", "multi-stage build, non-root user, pinned base image", "hadolint Dockerfile"),
    "yaml": ("YAML", "two-space indent, anchors only where they remove real repetition", "yamllint ."),
}

_MARKER = re.compile(r"^\s*(?:#|//|--|<!--)\s*File:\s*(\S+?)\s*(?:-->)?\s*$", re.MULTILINE)


def files_in(text: str) -> list[str]:
    """Paths named by ``File:`` markers, in order (one code drop may hold several files)."""
    return _MARKER.findall(text)


@dataclass(frozen=True)
class Code:
    """One code_generation drop: its text, and its language/framework if not the workflow's."""

    text: str
    language: str | None = None
    framework: str | None = None
    runnable: bool = False  # a single-file Python/JavaScript/shell program that prints something


@dataclass(frozen=True)
class Edit:
    """A later version of one drop.

    ``target`` is a drop type, or ``"code_generation:N"`` for the N-th code drop.
    Either ``replace`` (pairs of old -> new, each old must occur) or ``text``
    (a whole new artifact). ``by`` is who made the edit (default: the owner).
    """

    target: str
    message: str
    replace: tuple[tuple[str, str], ...] = ()
    text: str | None = None
    by: str | None = None
    status: str | None = None  # completion edits may change the recorded status


@dataclass(frozen=True)
class Fork:
    """A copy of the workflow under ``<workflow_id>-b`` with its own edits."""

    by: str
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Spec:
    num: int
    slug: str
    title: str
    language: str
    framework: str
    project_type: str
    prompt: str
    summary: str
    features: tuple[str, ...]
    tests: tuple[str, ...]
    code: tuple[Code, ...]
    extra_files: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    test_framework: str = ""
    owner: str | None = None
    status: str = "success"
    tags: tuple[str, ...] = ()
    edits: tuple[Edit, ...] = ()
    fork: Fork | None = None
    notes: tuple[str, ...] = field(default=())  # open questions for the FRD

    @property
    def workflow_id(self) -> str:
        return f"wf-{self.num:03d}-{self.slug}"

    def all_files(self) -> list[str]:
        """Every path of the project: generated files first, then supporting ones."""
        seen: dict[str, None] = {}
        for c in self.code:
            for p in files_in(c.text):
                seen.setdefault(p, None)
        for p in self.extra_files:
            seen.setdefault(p, None)
        return list(seen)
