"""A share link's files as its visitor sees them: built by ``store.project``, paths normalised once.

The analysis package owns splitting drops into files, naming them and detecting their
language (``store.project`` -> :func:`qldrops.analysis.project.build_project`); this module
keeps the files the link grants, adds the workflow's other drops as documents, and writes
the zip a visitor downloads. Every path that reaches the tree or the zip goes through
:func:`qldrops.store.paths.safe_path`, the same check the sandbox and ``Project.to_zip``
use. Everything a visitor downloads is redacted.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from ..analysis.core import document_language
from ..analysis.detect import detect_language
from ..analysis.project import CODE_TYPES, drop_files
from ..analysis.project import ProjectFile as _AnalysisProjectFile
from ..analysis.security import redact
from ..client import Store
from ..errors import ValidationError
from ..previews.links import PreviewView
from ..runner.languages import get_language
from ..store.paths import safe_path

# The file a visitor sees first is a generated code file, not a manifest or a note.
_NOT_FIRST = ("text", "unknown", "markdown", "json", "toml", "yaml")


@dataclass
class ProjectFile(_AnalysisProjectFile):
    """One file of the shared project (or one document of the workflow): the analysis package's
    ProjectFile plus what the page needs to draw it."""

    kind: str = "file"  # file | document (prompt, requirements, plan, docs)
    runnable: bool = False
    language_source: str = ""


@dataclass
class SharedProject:
    """The link's workflow as a visitor sees it."""

    workflow_id: str
    files: list[ProjectFile]
    documents: list[ProjectFile]
    project_type: str | None = None
    source: str = "analysis"
    notes: list[str] = field(default_factory=list)

    def first(self) -> ProjectFile | None:
        """The file a visitor sees first: a generated code file (not a derived manifest), else anything."""
        for f in self.files:
            if f.drop_id is not None and f.language not in _NOT_FIRST:
                return f
        return next(iter(self.files), None) or next(iter(self.documents), None)

    def by_path(self, path: str) -> ProjectFile | None:
        return next((f for f in [*self.files, *self.documents] if f.path == path), None)


def runnable(language: str) -> bool:
    """Files the sandbox can run as they are (the runner's languages; analysis says "shell" for bash)."""
    return get_language({"shell": "bash"}.get(language, language)) is not None


def drop_file_texts(drop: Any) -> dict[str, str]:
    """The files one version of a drop holds, {path: text}, named as ``store.project`` names them."""
    return {f.path: f.text for f in drop_files(drop)}


def document_name(drop: Any) -> str:
    """A file name for a non-code drop (its title, else its type): ``plan.md``, ``structure.txt``."""
    meta = drop.metadata or {}
    title = meta.get("title")
    stem = re.sub(r"[^\w.-]+", "-", str(title).lower()).strip("-")[:60] if title else drop.drop_type
    ext = ".txt" if drop.drop_type == "project_structure" else ".md"
    return f"{stem or drop.drop_type}{ext}"


def project_of(store: Store, view: PreviewView) -> SharedProject:
    """The files of the link's workflow, as ``store.project`` builds them, within the link's grant.

    A link to the whole workflow shows every file (derived manifests included, except those
    their ecosystem's tool rejected, as ``Project.to_zip`` leaves them out); a link to one
    drop shows that drop's files only. Drops that are not code are listed as documents. When
    ``store.project`` fails, its error propagates (the page shows an instruction, never a
    different project).
    """
    drops = list(view.drops())
    granted = {d.id for d in drops}
    whole_workflow = view.preview.drop_id is None
    project = store.project(view.workflow_id)
    notes = [str(n) for n in (project.notes or [])[:5]]
    if whole_workflow:
        notes += project.manifest_notes()[:3]
    files: list[ProjectFile] = []
    # what Project.to_zip ships: a generated manifest its ecosystem's tool rejected is left out
    for path, item in sorted(project.shipped().items(), key=lambda kv: kv[0].lower()):
        shown = item.drop_id in granted or (whole_workflow and item.derived)
        if not shown:
            continue  # never a file of a drop outside the link
        try:
            clean = safe_path(path)
        except ValidationError as exc:
            notes.append(f"Left out: {exc.message}")
            continue
        files.append(ProjectFile(clean, item.text, item.language, item.drop_id, item.derived,
                                 runnable=runnable(item.language) and item.drop_id is not None,
                                 language_source="analysis"))
    if project.missing and whole_workflow:
        notes.append("Listed in the project structure but not generated: " + ", ".join(project.missing[:8]))
    documents: list[ProjectFile] = []
    taken: set[str] = set()
    for d in drops:
        if d.drop_type not in CODE_TYPES:
            name = safe_path(document_name(d))
            if name in taken:  # two drops of one type without titles: one zip entry each
                stem, dot, ext = name.rpartition(".")
                name = f"{stem}-{d.id}.{ext}" if dot else f"{name}-{d.id}"
            taken.add(name)
            # a document is what it is: a completion record holding JSON is JSON, not markdown
            guess = document_language(d.artifact, detect_language(d.artifact, name, use_magika=False))
            documents.append(ProjectFile(name, d.artifact, guess.language, d.id, kind="document",
                                         language_source=f"analysis:{guess.source}"))
    return SharedProject(view.workflow_id, files, documents, project.project_type or project.declared_type,
                         "analysis", notes)


def tree_rows(paths: list[str]) -> list[tuple[int, str, str | None]]:
    """(depth, label, path or None for a folder), folders before files, as a file browser shows them."""
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        parts = [p for p in path.split("/") if p]
        for part in parts[:-1]:
            node = node.setdefault(part + "/", {})
        node[parts[-1] if parts else path] = path
    rows: list[tuple[int, str, str | None]] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        for name in sorted(node, key=lambda n: (not n.endswith("/"), n.lower())):
            value = node[name]
            if isinstance(value, dict):
                rows.append((depth, name, None))
                walk(value, depth + 1)
            else:
                rows.append((depth, name, value))

    walk(root, 0)
    return rows


def zip_bytes(project: SharedProject) -> bytes:
    """The project as a zip under one folder named after the workflow: files, then the workflow's
    documents under ``_workflow/``; every path through :func:`safe_path`, every text redacted."""
    buf = io.BytesIO()
    stamp = dt.datetime.now(dt.UTC).timetuple()[:6]
    root = re.sub(r"[^\w.-]+", "-", project.workflow_id).strip(".") or "project"
    entries = [(safe_path(f.path), f) for f in project.files]
    entries += [(safe_path(f"_workflow/{f.path}"), f) for f in project.documents]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, f in entries:
            info = zipfile.ZipInfo(f"{root}/{path}", date_time=stamp)
            info.external_attr = 0o644 << 16
            z.writestr(info, redact(f.text), compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
