"""A workflow's drops as a multi-file project: tree, files, manifests, entry points, export.

Rules (deterministic, so two exports of the same workflow are byte-identical):

* files come from code drops, split by :mod:`splitter`; unnamed pieces take the drop's
  ``filename``/``path`` metadata, else a planned path of the same language not yet
  filled, else ``main.<ext>`` (``file2.<ext>`` ...);
* two drops claiming one path: the newest drop (``updated_at``, then id) wins and the
  clash is listed in ``conflicts``;
* a file whose name is also a folder of the project (``a`` beside ``a/b.py``), or a folder
  the exports write into (``.qldrops``, ``_workflow``), is exported as ``a~1`` (a folder and
  a file cannot share a name on disk or in a zip), listed in ``conflicts`` too;
* the tree is the planned one (project_structure drop) joined with the files; planned
  files with no content are listed in ``missing``;
* manifests (requirements.txt, package.json, go.mod, Cargo.toml, Gemfile) are derived
  from imports when the project has none for that language.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import NotFound, ValidationError
from ..store.paths import path_in_text, safe_path
from . import insights
from .detect import detect_language
from .languages import default_filename, extension_for
from .manifests import Check, go_mod
from .manifests import check as check_manifest
from .splitter import parse_tree, split_files

CODE_TYPES = {"code_generation", "code", "test_generation"}
STRUCTURE_TYPES = {"project_structure", "structure"}
MANIFESTS = {"requirements.txt": "python", "pyproject.toml": "python", "setup.py": "python", "Pipfile": "python",
             "package.json": "javascript", "go.mod": "go", "Cargo.toml": "rust", "Gemfile": "ruby",
             "composer.json": "php", "pom.xml": "java", "build.gradle": "java", "build.gradle.kts": "kotlin"}
PYPI_NAMES = {"yaml": "PyYAML", "PIL": "Pillow", "cv2": "opencv-python", "sklearn": "scikit-learn",
              "bs4": "beautifulsoup4", "dotenv": "python-dotenv", "jwt": "PyJWT", "dateutil": "python-dateutil",
              "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient", "Crypto": "pycryptodome",
              "google": "google-api-python-client", "attr": "attrs", "magic": "python-magic", "serial": "pyserial",
              "usb": "pyusb", "git": "GitPython", "jose": "python-jose", "multipart": "python-multipart"}
RUBY_STDLIB = {"json", "set", "time", "date", "net", "uri", "fileutils", "optparse", "logger", "securerandom",
               "digest", "yaml", "csv", "open3", "socket", "pp", "erb", "benchmark", "English", "tempfile", "open-uri"}
ENTRY_NAMES = {"main.py", "app.py", "manage.py", "__main__.py", "server.py", "cli.py", "index.js", "server.js",
               "app.js", "main.js", "index.ts", "main.ts", "server.ts", "main.go", "main.rs", "Main.java",
               "Program.cs", "main.c", "main.cpp", "index.php", "index.html", "config.ru", "main.kt"}


@dataclass
class ProjectFile:
    path: str
    text: str
    language: str
    drop_id: int | None
    derived: bool = False  # a manifest we wrote, not the generator


@dataclass
class Project:
    workflow_id: str
    files: dict[str, ProjectFile]
    planned: list[str] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    declared_type: str | None = None
    _checks: list[Check] | None = field(default=None, repr=False, compare=False)

    def check_manifests(self) -> list[Check]:
        """The ecosystems' own tools on every manifest (``go mod edit``, ``npm pkg``, ``packaging``,
        ``cargo metadata``): ``ok`` True, False (with the tool's message) or None (no tool here).
        Run once per project (each tool is a subprocess); exports leave out generated manifests
        that their tool rejected."""
        if self._checks is None:
            self._checks = [check_manifest(p, f.text) for p, f in sorted(self.files.items())
                            if posixpath.basename(p) in MANIFESTS]
        return self._checks

    def shipped(self) -> dict[str, ProjectFile]:
        """The files an export ships: all but the generated manifests their ecosystem's tool rejected
        (``to_zip`` and the dashboard's download all ship exactly these)."""
        rejected = {c.path for c in self.check_manifests() if c.ok is False and self.files[c.path].derived}
        return {p: f for p, f in self.files.items() if p not in rejected}

    def manifest_notes(self) -> list[str]:
        """What the manifest checks found, for a person: rejected (and left out) or not checked."""
        out = []
        for c in self.check_manifests():
            if c.ok is False:
                what = "generated" if self.files[c.path].derived else "from the drops"
                left = ", left out of the export" if self.files[c.path].derived else ""
                out.append(f"{c.path} ({what}) rejected by {c.tool}: {c.message}{left}")
            elif c.ok is None:
                out.append(f"{c.path}: {c.message}")
        return out

    @property
    def paths(self) -> list[str]:
        return sorted(self.files)

    @property
    def missing(self) -> list[str]:
        return [p for p in self.planned if not p.endswith("/") and p not in self.files]

    @property
    def manifests(self) -> dict[str, str]:
        return {p: f.text for p, f in sorted(self.files.items()) if posixpath.basename(p) in MANIFESTS}

    @property
    def entry_points(self) -> list[str]:
        out = []
        for p, f in sorted(self.files.items()):
            if f.derived:
                continue
            if insights.entry_point(f.text, f.language) or posixpath.basename(p) in ENTRY_NAMES:
                out.append(p)
        return out

    @property
    def languages(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files.values():
            out[f.language] = out.get(f.language, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @property
    def frameworks(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.files.values():
            for fw in insights.frameworks(f.text, f.language):
                seen.setdefault(fw, None)
        return list(seen)

    @property
    def project_type(self) -> str:
        """monorepo | web service | frontend | cli | library (from manifests, frameworks and entry points)."""
        roots = {posixpath.dirname(p).split("/")[0] for p in self.manifests if "/" in p}
        if len(roots) >= 2 or any(p.startswith(("packages/", "apps/", "services/")) and posixpath.basename(p) in MANIFESTS
                                  for p in self.manifests) and len(self.manifests) >= 2:
            return "monorepo"
        fws = set(self.frameworks)
        if fws & insights.WEB:
            return "web service"
        if fws & insights.FRONTEND or (self.languages and next(iter(self.languages)) in {"html", "css"}):
            return "frontend"
        if fws & insights.CLI or self.entry_points:
            return "cli"
        return "library"

    @property
    def tree(self) -> str:
        """The file tree as text; planned files without content are marked (missing)."""
        everything = sorted(set(self.files) | {p.rstrip("/") for p in self.planned if not p.endswith("/")})
        lines = [self.workflow_id + "/"]
        shown_dirs: set[str] = set()
        for p in everything:
            parts = p.split("/")
            for depth in range(len(parts) - 1):
                d = "/".join(parts[:depth + 1])
                if d not in shown_dirs:
                    shown_dirs.add(d)
                    lines.append("    " * (depth + 1) + parts[depth] + "/")
            mark = "" if p in self.files else "  (missing)"
            mark += "  (derived)" if p in self.files and self.files[p].derived else ""
            lines.append("    " * len(parts) + parts[-1] + mark)
        return "\n".join(lines)

    def write_to(self, directory: str | Path) -> list[Path]:
        """Write every file (and ``.qldrops/project.json``) under ``directory``; returns the paths written."""
        root = Path(directory)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError(f"could not make the folder {root}: {exc.strerror or exc}",
                                  hint="pass a folder that can be created (a path whose parents are folders)") from exc
        written = []
        for rel, text in self._export_items():
            dest = (root / rel).resolve()
            if root.resolve() not in dest.parents:
                raise ValidationError(f"refusing to write {rel!r} outside {root}", hint="fix the file marker's path")
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8")
            except OSError as exc:  # the folder already held something in the way, or the disk is full
                raise ValidationError(f"could not write {rel!r} under {root}: {exc.strerror or exc}",
                                      hint="write to an empty folder with free space") from exc
            written.append(dest)
        return written

    def to_zip(self, path: str | Path | None = None) -> bytes:
        """The project as a zip (one top folder named after the workflow); written to ``path`` if given."""
        buf = io.BytesIO()
        top = path_in_text(self.workflow_id.replace("/", "-")) or "project"
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for rel, text in self._export_items():
                info = zipfile.ZipInfo(f"{top}/{rel}", date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                z.writestr(info, text.encode("utf-8"), zipfile.ZIP_DEFLATED)
        data = buf.getvalue()
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def _export_items(self) -> list[tuple[str, str]]:
        # Every path that reaches a folder or an archive passes the one check (ARCHITECTURE invariant 10).
        shipped = self.shipped()
        items = [(safe_path(p), f.text if f.text.endswith("\n") or not f.text else f.text + "\n")
                 for p, f in sorted(shipped.items())]
        meta = {"workflow_id": self.workflow_id, "project_type": self.project_type, "entry_points": self.entry_points,
                "languages": self.languages, "frameworks": self.frameworks, "missing": self.missing,
                "conflicts": self.conflicts, "notes": self.notes + self.manifest_notes(),
                "manifest_checks": [{"path": c.path, "tool": c.tool, "ok": c.ok, "message": c.message}
                                    for c in self.check_manifests()],
                "sources": {p: f.drop_id for p, f in sorted(shipped.items())}}
        items.append((".qldrops/project.json", json.dumps(meta, indent=2, sort_keys=True) + "\n"))
        return items

    def to_dict(self) -> dict:
        return {"workflow_id": self.workflow_id, "files": self.paths, "entry_points": self.entry_points,
                "manifests": list(self.manifests), "project_type": self.project_type, "languages": self.languages,
                "frameworks": self.frameworks, "missing": self.missing, "conflicts": self.conflicts, "notes": self.notes}

    def __repr__(self) -> str:
        return (f"<Project {self.workflow_id}: {len(self.files)} files, {self.project_type}, "
                f"entry points {self.entry_points}, {len(self.conflicts)} conflicts>")

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.tree)}</pre><p>{html.escape(repr(self))}</p>"


def build_project(store, workflow_id: str) -> Project:
    drops = list(store.list(workflow_id=workflow_id))
    if not drops:
        raise NotFound(f"workflow {workflow_id!r} has no drops", hint="check the id with `qldrops workflows`")
    notes: list[str] = []
    structures = [d for d in drops if d.drop_type in STRUCTURE_TYPES]
    planned: list[str] = []
    declared_type = None
    if structures:
        s = max(structures, key=lambda d: (d.updated_at, d.id))
        md_files = (s.metadata or {}).get("files")
        planned = [c for p in md_files if (c := path_in_text(p))] if isinstance(md_files, list) else []
        planned = list(dict.fromkeys(planned + parse_tree(s.artifact)))
        declared_type = (s.metadata or {}).get("project_type")
    else:
        notes.append("no project_structure drop: the tree is built from the code drops alone")
    code = sorted((d for d in drops if d.drop_type in CODE_TYPES), key=lambda d: (d.updated_at, d.id))
    if not code:
        notes.append("no code drops: the project has no files")
    claims: dict[str, list[tuple[int, ProjectFile]]] = {}
    order = 0
    for d in code:  # oldest first: a later claim on a path wins
        for f in _files_of(d, planned, claims):
            order += 1
            claims.setdefault(f.path, []).append((order, f))
    files: dict[str, ProjectFile] = {}
    conflicts = []
    for path, cs in sorted(claims.items()):
        winner = cs[-1][1]
        files[path] = winner
        losers = sorted({f.drop_id for _, f in cs[:-1] if f.drop_id is not None and f.text != winner.text})
        if losers:
            conflicts.append({"path": path, "kept": winner.drop_id, "dropped": losers,
                              "rule": "newest drop wins (updated_at, then id)"})
    _derive_manifests(files, workflow_id)
    moves = _unclash(files)
    renamed = {m["path"]: m["moved_to"] for m in moves}
    planned = [renamed.get(p, p) for p in planned]  # the plan names the file where it is exported
    conflicts += moves
    return Project(workflow_id, files, planned, conflicts, notes, declared_type)


# Folders the exports write into: the project's own metadata (``write_to``, ``to_zip``) and the share
# page's download, which puts the workflow's other drops under ``_workflow/``.
RESERVED_FOLDERS = (".qldrops", "_workflow")


def _unclash(files: dict[str, ProjectFile]) -> list[dict]:
    """Move each file whose path is also a folder (of another file, or one the exports write into) to
    ``path~1`` (``~2``...): on disk and in a zip one name is a file or a folder, and an export that
    met both failed or made an archive nobody could unpack. Returns the moves, as conflicts."""
    folders = {str(parent) for p in files for parent in PurePosixPath(p).parents if str(parent) != "."}
    folders.update(RESERVED_FOLDERS)
    moves: list[dict] = []
    for path in sorted(p for p in files if p in folders):
        n = 1
        while f"{path}~{n}" in files or f"{path}~{n}" in folders:
            n += 1
        new = f"{path}~{n}"
        f = files.pop(path)
        files[new] = dataclasses.replace(f, path=new)
        moves.append({"path": path, "kept": f.drop_id, "dropped": [], "moved_to": new,
                      "rule": f"a file and a folder share the name: the file is exported as {new}"})
    return moves


def drop_files(d, planned: list[str] | None = None) -> list[ProjectFile]:
    """The files one drop (any version of it: ``.artifact``, ``.metadata``, ``.id``) holds, named as
    :func:`build_project` names them (a file's history reads each version through this)."""
    return _files_of(d, list(planned or []), {})


def _files_of(d, planned: list[str], claims: dict) -> list[ProjectFile]:
    md = d.metadata or {}
    text = d.artifact
    pieces = split_files(text)
    out: list[ProjectFile] = []
    named_meta = md.get("path") or md.get("filename")
    for n, piece in enumerate(pieces):
        path = path_in_text(piece.path) if piece.path else None
        if piece.path and not path:
            continue  # an absolute or escaping path: never exported
        declared = piece.fence_tag or (md.get("language") if len(pieces) == 1 or not path else None)
        if path is None:
            if named_meta and n == 0 and isinstance(named_meta, str):
                path = path_in_text(named_meta)
            if path is None:
                g = detect_language(piece.text, None, declared)
                taken = set(claims) | {f.path for f in out}
                same = [p for p in planned if not p.endswith("/") and p not in taken
                        and posixpath.splitext(p)[1] == extension_for(g.language)]
                path = same[0] if same else _fresh_name(g.language, taken)
        lang = detect_language(piece.text, path, declared if not path else None).language
        out.append(ProjectFile(path, piece.text, lang, d.id))
    return out


def _fresh_name(language: str, taken: set[str]) -> str:
    lang = language if language not in {"unknown", "binary"} else "text"
    name = default_filename(lang)
    k = 2
    while name in taken:
        name = default_filename(lang, f"file{k}")
        k += 1
    return name


def _derive_manifests(files: dict[str, ProjectFile], workflow_id: str) -> None:
    names = {posixpath.basename(p) for p in files}
    local = {posixpath.splitext(p.split("/")[0])[0] for p in files} | {
        posixpath.splitext(posixpath.basename(p))[0] for p in files}
    by_lang: dict[str, list[str]] = {}
    for f in files.values():
        for dep in insights.dependencies(f.text, f.language):
            if dep.split(".")[0] in local or dep.split("/")[0] in local:
                continue
            bucket = "javascript" if f.language == "typescript" else f.language
            by_lang.setdefault(bucket, [])
            if dep not in by_lang[bucket]:
                by_lang[bucket].append(dep)
    langs = {f.language for f in files.values()}
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in workflow_id).strip("-") or "project"

    def add(path: str, text: str, lang: str) -> None:
        files[path] = ProjectFile(path, text, lang, None, derived=True)

    if "python" in langs and not names & {"requirements.txt", "pyproject.toml", "setup.py", "Pipfile"}:
        deps = sorted(PYPI_NAMES.get(d, d) for d in by_lang.get("python", []))
        add("requirements.txt", "".join(d + "\n" for d in deps), "text")
    if langs & {"javascript", "typescript"} and "package.json" not in names:
        js_deps = {d: "*" for d in sorted(by_lang.get("javascript", []))}
        entry = next((p for p in sorted(files) if posixpath.basename(p) in ENTRY_NAMES and p.endswith((".js", ".ts"))), None)
        pkg = {"name": slug.lower(), "version": "0.1.0", "private": True, "dependencies": js_deps}
        if entry:
            pkg["main"] = entry
            pkg["scripts"] = {"start": ("npx tsx " if entry.endswith(".ts") else "node ") + entry}
        add("package.json", json.dumps(pkg, indent=2) + "\n", "json")
    if "go" in langs and "go.mod" not in names:
        texts = {p: f.text for p, f in files.items()}
        add("go.mod", go_mod(texts, f"example.com/{slug}", by_lang.get("go", [])), "text")
    if "rust" in langs and "Cargo.toml" not in names:
        crates = "".join(f'{d.replace("_", "-")} = "*"\n' for d in sorted(by_lang.get("rust", [])))
        add("Cargo.toml", f'[package]\nname = "{slug.lower().replace("_", "-")}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{crates}', "toml")
    by_lang["ruby"] = [d for d in by_lang.get("ruby", []) if d.split("/")[0] not in RUBY_STDLIB]
    if "ruby" in langs and "Gemfile" not in names and by_lang.get("ruby"):
        add("Gemfile", 'source "https://rubygems.org"\n\n' + "".join(f'gem "{d}"\n' for d in sorted(by_lang["ruby"])), "ruby")
