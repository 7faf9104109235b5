"""What the preview dashboard draws, as plain functions (no widgets): files, code, reports, zips.

The notebook ``dashboards/preview.ipynb`` stays thin: it asks this module for the
project of a share link (:func:`project_of`), the HTML of a highlighted file
(:func:`code_html`), of versions and diffs, of the quality and security report,
of similar drops, of a run, and for the project as a zip (:func:`zip_link_html`).

Everything a visitor sees passes through :func:`redact` (secrets masked): code,
metadata, diffs, reports and run output. Similar drops from other workflows show
ids, types and scores only, never content: the link grants one workflow.

The code-intelligence package (``qldrops.analysis``: ``store.project``,
``analyze``, ``redact``) is used when it is there; until then small fallbacks
keep the page useful (file markers split multi-file drops, pygments and the
file name pick the language). ``source`` fields say which one answered.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from ..analysis.project import ProjectFile as _AnalysisProjectFile

log = logging.getLogger("qldrops.server.preview")

CODE_TYPES = ("code_generation",)
# Lines such as "// File: cmd/main.go" or "# file: app.py" start a file inside a code drop.
_MARKER = re.compile(
    r"^[ \t]*(?://|#|--|;|/\*|<!--)[ \t]*(?:file|path|filename)[ \t]*:[ \t]*([\w./@+-]+)[ \t]*(?:\*/|-->)?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# pygments lexer names for the analysis package's canonical language names, where they differ.
_LEXER = {
    "shell": "bash",
    "dockerfile": "docker",
    "makefile": "make",
    "csharp": "csharp",
    "cpp": "cpp",
    "objective-c": "objective-c",
    "plaintext": "text",
    "text": "text",
    "unknown": "text",
}
MAX_SHOWN = 400_000  # characters of one file drawn highlighted (a bigger file is cut, with a note)


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
    source: str = "fallback"  # "analysis" when store.project built it
    notes: list[str] = field(default_factory=list)

    def first(self) -> ProjectFile | None:
        """The file a visitor sees first: a generated code file (not a derived manifest), else anything."""
        for f in self.files:
            if f.drop_id is not None and f.language not in (
                "text",
                "unknown",
                "markdown",
                "json",
                "toml",
                "yaml",
            ):
                return f
        return next(iter(self.files), None) or next(iter(self.documents), None)

    def by_path(self, path: str) -> ProjectFile | None:
        return next((f for f in [*self.files, *self.documents] if f.path == path), None)


# ---------------------------------------------------------------------------------------------- redaction
def redact(text: Any) -> str:
    """Secrets masked (the analysis package's redaction, or dashkit's fallback patterns)."""
    from ..demo.dashkit import redact as _redact

    return _redact(text if isinstance(text, str) else str(text))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------- language
def language_of(text: str, path: str | None, declared: str | None = None) -> tuple[str, str]:
    """(language, source): the analysis package's detection, else pygments by file name, else "unknown"."""
    try:
        from ..analysis.detect import detect_language
    except ImportError:
        detect_language = None  # type: ignore[assignment]
    if detect_language is not None:
        try:
            # magika only when neither a declared language nor the file name decides (it costs ~1 s to load)
            guess = detect_language(text, path, declared, use_magika=False)
            if guess.language not in ("unknown", "binary") or not text.strip():
                return guess.language, f"analysis:{guess.source}"
        except Exception as exc:  # noqa: BLE001 - a detector bug must not blank the page
            log.warning("language detection failed for %s: %s", path, exc)
    if declared:
        return str(declared).lower(), "declared"
    if path:
        from pygments.lexers import get_lexer_for_filename
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_for_filename(posixpath.basename(path), text[:2000])
            return lexer.aliases[0] if lexer.aliases else lexer.name.lower(), "pygments:filename"
        except ClassNotFound:
            pass
    return "unknown", "none"


def lexer_for(language: str, path: str | None = None) -> Any:
    """A pygments lexer for an analysis language name (never silently Python: text when unknown)."""
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
    from pygments.lexers.special import TextLexer
    from pygments.util import ClassNotFound

    name = _LEXER.get(language, language)
    try:
        return get_lexer_by_name(name, stripnl=False)
    except ClassNotFound:
        pass
    if path:
        try:
            return get_lexer_for_filename(posixpath.basename(path), stripnl=False)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False)


def code_html(text: str, language: str, path: str | None = None, *, element_id: str = "qldrops-code") -> str:
    """The file highlighted with inline styles (no stylesheet to load), line numbers, secrets masked."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    shown = redact(text)
    note = ""
    if len(shown) > MAX_SHOWN:
        note = (
            f"<p class='qldrops-muted'>Showing the first {MAX_SHOWN:,} of {len(shown):,} characters; "
            "download the project for the whole file.</p>"
        )
        shown = shown[:MAX_SHOWN]
    lexer = lexer_for(language, path)
    formatter = HtmlFormatter(
        noclasses=True,
        nobackground=True,
        linenos="inline",
        style="friendly",
        cssstyles="margin:0;font-size:12.5px;line-height:1.45",
    )
    body = highlight(shown, lexer, formatter)
    return (
        f"<div id='{element_id}' class='qldrops-code' data-language='{html.escape(language, quote=True)}' "
        f"data-lexer='{html.escape(lexer.name, quote=True)}'>{body}</div>{note}"
    )


# ---------------------------------------------------------------------------------------------- project
def _runnable(language: str) -> bool:
    """Files the sandbox can run as they are (python, javascript, shell: the runner's languages)."""
    try:
        from ..runner.languages import get_language
    except ImportError:
        return False
    alias = {"shell": "bash"}.get(language, language)
    return get_language(alias) is not None or get_language(language) is not None


def split_files(text: str, default_path: str | None) -> dict[str, str]:
    """Files inside one code drop, split at ``// File: path`` style markers (else the whole text)."""
    marks = list(_MARKER.finditer(text))
    if not marks:
        return {default_path: text} if default_path else {}
    out: dict[str, str] = {}
    head = text[: marks[0].start()].strip()
    if head and default_path:
        out[default_path] = head + "\n"
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.end() : end].lstrip("\n")
        out[m.group(1).lstrip("./")] = body.rstrip() + "\n"
    return out


def _extension(language: str) -> str:
    try:
        from ..analysis.languages import extension_for

        return extension_for(language) or ".txt"
    except (ImportError, KeyError, ValueError):
        return ".txt"


def _own_path(meta: dict[str, Any]) -> str | None:
    for key in ("filename", "path", "file"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lstrip("./").lstrip("/") or None
    return None


def _document_name(drop: Any) -> str:
    meta = drop.metadata or {}
    title = meta.get("title")
    stem = re.sub(r"[^\w.-]+", "-", str(title).lower()).strip("-")[:60] if title else drop.drop_type
    ext = ".txt" if drop.drop_type == "project_structure" else ".md"
    return f"{stem or drop.drop_type}{ext}"


def project_of(store: Any, view: Any) -> SharedProject:
    """The files of the link's workflow: ``store.project`` when available, else built from the drops.

    Only drops the link grants are used (a link to one drop shows that drop only); the
    non-code drops (prompt, requirements, plan, docs ...) are listed as documents.
    """
    drops = list(view.drops())
    code = [d for d in drops if d.drop_type in CODE_TYPES]
    files: dict[str, tuple[str, int | None, str | None]] = {}
    source, notes, project_type = "fallback", [], None
    project_fn = getattr(store, "project", None)
    whole_workflow = getattr(view.preview, "drop_id", None) is None
    if callable(project_fn) and whole_workflow:
        try:
            project = project_fn(view.workflow_id)
            granted = {d.id for d in drops}
            for path, item in dict(project.files).items():
                # Project.files maps a path to a ProjectFile (text, language, drop_id); plain text also works
                text = item if isinstance(item, str) else str(getattr(item, "text", ""))
                drop_id = getattr(item, "drop_id", None)
                if drop_id is not None and drop_id not in granted:
                    drop_id = None  # never point at a drop outside the link
                if drop_id is None and not getattr(item, "derived", False):
                    drop_id = _drop_for(str(path), text, code)
                files[str(path)] = (text, drop_id, getattr(item, "language", None))
            project_type = getattr(project, "project_type", None) or getattr(project, "declared_type", None)
            notes.extend(str(n) for n in (getattr(project, "notes", None) or [])[:5])
            missing = list(getattr(project, "missing", None) or [])
            if missing:
                notes.append("Listed in the project structure but not generated: " + ", ".join(missing[:8]))
            source = "analysis"
        except Exception as exc:  # noqa: BLE001 - fall back to the drops themselves
            log.info(
                "store.project(%r) failed (%s); building the file list from the drops", view.workflow_id, exc
            )
            files = {}
    if not files:
        for d in sorted(code, key=lambda d: d.updated_at):  # the newest claim on a path wins
            meta = d.metadata or {}
            for path, text in split_files(d.artifact, _own_path(meta)).items():
                files[path] = (text, d.id, meta.get("language"))
            if not _own_path(meta) and not _MARKER.search(d.artifact):
                lang, _ = language_of(d.artifact, None, meta.get("language"))
                files[f"drop-{d.id}{_extension(lang)}"] = (d.artifact, d.id, meta.get("language"))
        structure = next((d for d in drops if d.drop_type == "project_structure"), None)
        if structure is not None:
            project_type = (structure.metadata or {}).get("project_type")
            missing = [p for p in (structure.metadata or {}).get("files", []) if p not in files]
            if missing:
                notes.append("Listed in the project structure but not generated: " + ", ".join(missing[:8]))
    out = []
    for path, (text, drop_id, declared) in sorted(files.items(), key=lambda kv: kv[0].lower()):
        lang, how = language_of(text, path, declared)
        out.append(
            ProjectFile(
                path,
                text,
                lang,
                drop_id,
                runnable=_runnable(lang) and drop_id is not None,
                language_source=how,
            )
        )
    documents = []
    for d in drops:
        if d.drop_type not in CODE_TYPES:
            name = _document_name(d)
            lang, how = language_of(d.artifact, name)
            documents.append(ProjectFile(name, d.artifact, lang, d.id, kind="document", language_source=how))
    return SharedProject(view.workflow_id, out, documents, project_type, source, notes)


def _drop_for(path: str, text: Any, code: list[Any]) -> int | None:
    """Which code drop a project file came from (for versions, metadata and runs)."""
    for d in code:
        meta = d.metadata or {}
        if _own_path(meta) == path or path in (meta.get("files") or []):
            return d.id
    for d in code:
        if isinstance(text, str) and text.strip() and text.strip()[:200] in d.artifact:
            return d.id
    return None


# ---------------------------------------------------------------------------------------------- tree
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


# ---------------------------------------------------------------------------------------------- panels
def header_html(view: Any, project: SharedProject) -> str:
    p = view.preview
    langs = sorted({f.language for f in project.files if f.language not in ("unknown", "text")})
    title = p.title or project.workflow_id
    chips = "".join(f"<span class='qldrops-chip'>{html.escape(x)}</span>" for x in langs)
    kind = f" · {html.escape(str(project.project_type))}" if project.project_type else ""
    return (
        f"<div class='qldrops-head'><div><div class='qldrops-muted'>Shared workflow</div>"
        f"<h2 id='qldrops-title'>{html.escape(redact(title))}</h2>"
        f"<div><code id='qldrops-workflow'>{html.escape(project.workflow_id)}</code>{kind}"
        f" · {_count(len(project.files), 'file')} · {_count(len(project.documents), 'document')}</div></div>"
        f"<div class='qldrops-right'><div>{chips}</div><div class='qldrops-muted'>link expires "
        f"{p.expires_at:%Y-%m-%d %H:%M} UTC</div></div></div>"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def file_head_html(f: ProjectFile, drop: Any | None) -> str:
    ver = f" · v{drop.version} · updated {drop.updated_at:%Y-%m-%d}" if drop is not None else ""
    how = (
        f" <span class='qldrops-muted'>(detected: {html.escape(f.language_source)})</span>"
        if f.language_source
        else ""
    )
    return (
        f"<div class='qldrops-filehead'><b id='qldrops-path'>{html.escape(f.path)}</b> "
        f"<span class='qldrops-chip' id='qldrops-language'>{html.escape(f.language)}</span>{how}"
        f"<span class='qldrops-muted'>{len(f.text.splitlines())} lines{ver}</span></div>"
    )


def metadata_html(drop: Any) -> str:
    meta = _redact_value(drop.metadata or {})
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_short(v))}</td></tr>"
        for k, v in sorted(meta.items())
    )
    base = [
        ("drop", drop.id),
        ("type", drop.drop_type),
        ("version", drop.version),
        ("size", f"{drop.size:,} bytes"),
        ("created", f"{drop.created_at:%Y-%m-%d %H:%M} UTC"),
        ("created by", drop.created_by or "–"),
    ]
    top = "".join(f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in base)
    return f"<table class='qldrops-table' id='qldrops-metadata'>{top}{rows}</table>"


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def versions_html(history: Any) -> str:
    rows = "".join(
        f"<tr><td>v{v.version}</td><td>{html.escape(v.op)}</td><td>{v.created_at:%Y-%m-%d %H:%M}</td>"
        f"<td>{html.escape(redact(v.created_by or '–'))}</td><td>{html.escape(redact(v.message or ''))}</td>"
        f"<td>{(v.size or 0):,}</td></tr>"
        for v in history
    )
    return (
        f"<table class='qldrops-table' id='qldrops-versions'><tr><th>version</th><th>change</th><th>when (UTC)</th>"
        f"<th>by</th><th>message</th><th>bytes</th></tr>{rows}</table>"
    )


def diff_html(diff: Any) -> str:
    """A diff with added/removed lines coloured; its text and metadata changes redacted."""
    lines = []
    for line in redact(diff.unified).splitlines():
        cls = (
            "add"
            if line.startswith("+") and not line.startswith("+++")
            else "del"
            if line.startswith("-") and not line.startswith("---")
            else "hunk"
            if line.startswith("@@")
            else ""
        )
        lines.append(f"<div class='qldrops-d{cls}'>{html.escape(line) or '&nbsp;'}</div>")
    meta = "".join(
        f"<li><code>{html.escape(k)}</code>: {html.escape(_short(_redact_value(a)))} → "
        f"{html.escape(_short(_redact_value(b)))}</li>"
        for k, (a, b) in sorted(diff.metadata_changes.items())
    )
    meta_html = f"<p>Metadata changes:</p><ul>{meta}</ul>" if meta else ""
    body = "".join(lines) or "<div class='qldrops-muted'>No change in the content.</div>"
    return (
        f"<div id='qldrops-diff'><p><b>v{diff.from_version} → v{diff.to_version}</b>: "
        f"<span class='qldrops-add'>+{diff.added}</span> <span class='qldrops-del'>−{diff.removed}</span> lines"
        f"</p>{meta_html}<div class='qldrops-diffbody'>{body}</div></div>"
    )


def report_html(analysis: Any, f: ProjectFile) -> str:
    """Quality and security of one file (the analysis package's result), messages redacted."""
    if analysis is None:
        return (
            "<div class='qldrops-box qldrops-note' id='qldrops-report'>No quality and security analysis "
            "is available for this file yet.</div>"
        )
    score = getattr(analysis, "quality_score", None)
    parts = getattr(analysis, "quality_parts", None) or getattr(analysis, "score_parts", None) or {}
    complexity = getattr(analysis, "complexity", None)
    issues = list(getattr(analysis, "issues", None) or [])
    summary = getattr(analysis, "summary", None)
    frameworks = getattr(analysis, "frameworks", None) or []
    colour = "#1a7f37" if (score or 0) >= 75 else "#9a6700" if (score or 0) >= 50 else "#cf222e"
    kpi = (
        f"<div class='qldrops-kpis'><div class='qldrops-kpi'><b style='color:{colour}'>"
        f"{'–' if score is None else f'{float(score):.0f}'}</b>quality (0–100)</div>"
        f"<div class='qldrops-kpi'><b>{_short(_complexity(complexity), 40)}</b>complexity</div>"
        f"<div class='qldrops-kpi'><b>{sum(1 for i in issues if _is_security(i))}</b>"
        f"security findings</div><div class='qldrops-kpi'><b>{len(issues)}</b>issues</div></div>"
    )
    part_rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td>{_part_cells(v)}</tr>"
        for k, v in (parts.items() if isinstance(parts, dict) else [])
    )
    parts_html = (
        "<p>What makes the score:</p><table class='qldrops-table'><tr><th>part</th><th>score</th><th>weight</th>"
        f"<th>from</th></tr>{part_rows}</table>"
        if part_rows
        else ""
    )
    issue_rows = "".join(
        f"<tr class='sev-{html.escape(str(_get(i, 'severity')))}'><td>{html.escape(str(_get(i, 'line') or ''))}</td>"
        f"<td>{html.escape(str(_get(i, 'severity') or ''))}</td><td><code>{html.escape(str(_get(i, 'rule') or ''))}"
        f"</code></td><td>{html.escape(redact(str(_get(i, 'message') or '')))}</td>"
        f"<td>{html.escape(redact(str(_get(i, 'hint') or '')))}</td></tr>"
        for i in issues[:200]
    )
    issues_html = (
        (
            f"<table class='qldrops-table' id='qldrops-issues'><tr><th>line</th><th>severity</th><th>rule</th>"
            f"<th>finding</th><th>how to fix</th></tr>{issue_rows}</table>"
        )
        if issues
        else "<p>No issues found.</p>"
    )
    extra = ""
    if frameworks:
        extra += f"<p>Frameworks: {html.escape(', '.join(map(str, frameworks)))}</p>"
    if summary:
        extra += f"<p class='qldrops-muted'>{html.escape(redact(_short(summary, 600)))}</p>"
    return f"<div id='qldrops-report'>{kpi}{extra}{parts_html}{issues_html}</div>"


def _part_cells(value: Any) -> str:
    """One part of the quality score: its score, weight and what it was computed from."""
    if isinstance(value, dict):
        score, weight = value.get("score"), value.get("weight")
        score_txt = f"{float(score):.0f}" if isinstance(score, (int, float)) else "–"
        weight_txt = f"{float(weight):.0%}" if isinstance(weight, (int, float)) else ""
        detail = redact(_short(value.get("detail", ""), 160))
        return f"<td><b>{score_txt}</b></td><td>{weight_txt}</td><td>{html.escape(detail)}</td>"
    return f"<td colspan='3'>{html.escape(redact(_short(value, 160)))}</td>"


def _is_security(item: Any) -> bool:
    return (_get(item, "kind") or _get(item, "category")) in ("security", "secret")


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def _complexity(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("max", "cyclomatic_max", "average", "mean"):
            if key in value:
                return f"{key} {value[key]}"
        return ", ".join(f"{k} {v}" for k, v in list(value.items())[:2])
    if isinstance(value, float):
        return f"{value:.1f} avg"
    return "–" if value is None else str(value)


def analysis_of(store: Any, f: ProjectFile) -> Any:
    """The analysis of one file: ``qldrops.analysis.analyze`` on its (unredacted) text, else None."""
    try:
        from ..analysis import analyze  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        return analyze(f.text, filename=f.path)
    except Exception as exc:  # noqa: BLE001 - an analyser failure leaves the rest of the page working
        log.warning("analysis of %s failed: %s", f.path, exc)
        return None


def similar_html(hits: list[Any], workflow_id: str) -> str:
    """Similar drops in the link's workspace: workflow, type and score; content only for this workflow's own."""
    if not hits:
        return "<div class='qldrops-box qldrops-note' id='qldrops-similar'>No similar drops found.</div>"
    rows = "".join(
        f"<tr><td>{float(h.score):.3f}</td><td><code>{html.escape(h.workflow_id)}</code>"
        f"{' <span class=qldrops-chip>this workflow</span>' if h.workflow_id == workflow_id else ''}</td>"
        f"<td>{html.escape(h.drop_type)}</td><td>{h.id}</td></tr>"
        for h in hits
    )
    return (
        f"<div id='qldrops-similar'><p class='qldrops-muted'>Drops in this workspace most like this one "
        f"(cosine similarity). This link shares one workflow, so other workflows are named, not shown."
        f"</p><table class='qldrops-table'><tr><th>score</th><th>workflow</th><th>type</th><th>drop</th></tr>"
        f"{rows}</table></div>"
    )


def run_html(result: Any, path: str) -> str:
    status = str(getattr(result, "status", "?"))
    ok = status == "ok"
    out, err = redact(getattr(result, "stdout", "") or ""), redact(getattr(result, "stderr", "") or "")
    dur = getattr(result, "duration_ms", None)
    code = getattr(result, "exit_code", None)
    head = (
        f"<div class='qldrops-runhead {'ok' if ok else 'bad'}'><b>{html.escape(path)}</b>: {html.escape(status)}"
        f" · exit code {html.escape(str(code))} · {0 if dur is None else float(dur):.0f} ms"
        f"{' · output cut' if getattr(result, 'truncated', False) else ''}</div>"
    )
    return (
        f"<div id='qldrops-run-output' data-status='{html.escape(status, quote=True)}'>{head}"
        f"<div class='qldrops-muted'>stdout</div><pre class='qldrops-stdout'>{html.escape(out) or '(empty)'}</pre>"
        f"<div class='qldrops-muted'>stderr</div><pre class='qldrops-stderr'>{html.escape(err) or '(empty)'}"
        f"</pre></div>"
    )


def zip_bytes(project: SharedProject, store: Any = None) -> bytes:
    """The project as a zip: ``Project.to_zip`` when the analysis package built it, else its files (redacted)."""
    buf = io.BytesIO()
    stamp = dt.datetime.now(dt.UTC).timetuple()[:6]
    root = re.sub(r"[^\w.-]+", "-", project.workflow_id) or "project"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in project.files:
            info = zipfile.ZipInfo(f"{root}/{f.path}", date_time=stamp)
            info.external_attr = 0o644 << 16
            z.writestr(info, redact(f.text), compress_type=zipfile.ZIP_DEFLATED)
        for f in project.documents:
            info = zipfile.ZipInfo(f"{root}/_workflow/{f.path}", date_time=stamp)
            z.writestr(info, redact(f.text), compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def zip_link_html(data: bytes, name: str) -> str:
    """A download link carrying the zip itself (data: URI): works offline, no second request to the server."""
    uri = "data:application/zip;base64," + base64.b64encode(data).decode("ascii")
    safe = re.sub(r"[^\w.-]+", "-", name)
    return (
        f"<a id='qldrops-download-link' class='qldrops-button' download='{html.escape(safe, quote=True)}' "
        f"href='{uri}'>Save {html.escape(safe)} ({len(data) / 1024:.1f} KB)</a>"
    )


STYLE = """
<style>
.qldrops-page {font-family:system-ui,-apple-system,'Segoe UI',sans-serif; color:#1f2328}
.qldrops-head {display:flex; justify-content:space-between; align-items:flex-end; border-bottom:1px solid #d0d7de;
  padding:4px 2px 12px; margin-bottom:10px; font-family:system-ui,sans-serif}
.qldrops-head h2 {margin:2px 0 6px; font-size:1.5em}
.qldrops-right {text-align:right}
.qldrops-muted {color:#656d76; font-size:12px; font-family:system-ui,sans-serif}
.qldrops-chip {display:inline-block; background:#ddf4ff; color:#0969da; border-radius:10px; padding:1px 8px;
  margin:0 4px; font-size:12px; font-family:system-ui,sans-serif}
.qldrops-filehead {display:flex; gap:10px; align-items:baseline; font-family:system-ui,sans-serif; padding:4px 0}
.qldrops-code {border:1px solid #d0d7de; border-radius:6px; padding:8px 10px; overflow:auto; max-height:560px;
  background:#fbfcfd}
.qldrops-code pre {margin:0}
.qldrops-tree .widget-button, .qldrops-tree button {justify-content:flex-start; text-align:left; border:0;
  background:transparent; font-family:ui-monospace,monospace; font-size:12.5px; height:24px}
.qldrops-tree button:hover {background:#f3f4f6}
.qldrops-tree .qldrops-selected button, .qldrops-tree button.qldrops-selected {background:#ddf4ff; font-weight:600}
.qldrops-folder {font-family:ui-monospace,monospace; font-size:12.5px; color:#57606a; height:22px; line-height:22px}
.qldrops-section {font-family:system-ui,sans-serif; font-size:11px; text-transform:uppercase; letter-spacing:.06em;
  color:#656d76; margin:8px 0 2px}
.qldrops-diffbody {font-family:ui-monospace,monospace; font-size:12px; border:1px solid #d0d7de; border-radius:6px;
  max-height:480px; overflow:auto; white-space:pre}
.qldrops-dadd {background:#e6ffec} .qldrops-ddel {background:#ffebe9} .qldrops-dhunk {background:#ddf4ff; color:#57606a}
.qldrops-add {color:#1a7f37} .qldrops-del {color:#cf222e}
.qldrops-runhead {padding:6px 10px; border-radius:6px; margin:6px 0; font-family:system-ui,sans-serif}
.qldrops-runhead.ok {background:#dafbe1} .qldrops-runhead.bad {background:#ffebe9}
#qldrops-run-output pre {background:#0d1117; color:#e6edf3; padding:8px; border-radius:6px; max-height:260px;
  overflow:auto; font-size:12px; margin:2px 0 8px}
.qldrops-button {display:inline-block; padding:6px 12px; border-radius:6px; background:#1f883d; color:#fff !important;
  text-decoration:none; font-family:system-ui,sans-serif}
tr.sev-high td, tr.sev-critical td {background:#fff0f0}
.qldrops-kpis {display:flex; gap:12px; flex-wrap:wrap; margin:4px 0 10px; font-family:system-ui,sans-serif}
.qldrops-kpi {border:1px solid #d0d7de; border-radius:6px; padding:8px 14px; min-width:120px; color:#57606a}
.qldrops-kpi b {display:block; font-size:1.6em; color:#1f2328}
.qldrops-table {border-collapse:collapse; font-family:system-ui,sans-serif; font-size:13px; margin:4px 0 10px}
.qldrops-table th, .qldrops-table td {border-bottom:1px solid #eaeef2; padding:4px 10px; text-align:left;
  vertical-align:top}
.qldrops-table th {color:#57606a; font-weight:600}
.qldrops-tree p.qldrops-muted {line-height:1.4; margin:10px 0 0}
</style>
"""
