"""The preview page's HTML panels: header, highlighted code, metadata, versions, diff, report,
similar drops, a run, the download link.

Everything a visitor sees passes through the analysis package's ``redact`` (secrets masked):
code, metadata, diffs, reports and run output. Similar drops from other workflows show ids,
types and scores only, never content: the link grants one workflow.
"""

from __future__ import annotations

import base64
import html
import posixpath
import re
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

from ..analysis.model import Analysis
from ..analysis.security import redact
from ..previews.links import Preview
from .html import count, short
from .project import ProjectFile, SharedProject

MAX_SHOWN = 80_000  # characters of one file drawn highlighted (a bigger file is cut, with a note)
MAX_LINES = 1_000  # lines of one file drawn (each is a row of the page)
# pygments lexer names for the analysis package's canonical language names, where they differ.
_LEXER = {
    "shell": "bash",
    "dockerfile": "docker",
    "makefile": "make",
    "plaintext": "text",
    "unknown": "text",
}


def redact_value(value: Any) -> Any:
    """Strings inside dicts and lists redacted (metadata, diffs of metadata)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


def lexer_for(language: str, path: str | None = None) -> Any:
    """A pygments lexer for an analysis language name (never silently Python: text when unknown)."""
    try:
        return get_lexer_by_name(_LEXER.get(language, language), stripnl=False)
    except ClassNotFound:
        pass
    if path:
        try:
            return get_lexer_for_filename(posixpath.basename(path), stripnl=False)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False)


class _LineFormatter(HtmlFormatter):
    """pygments' HTML, one ``<div class='ql' data-n=N>`` per line: the number is drawn by CSS from
    ``data-n`` (``::before``, not selectable, not copied with the code)."""

    def wrap(self, source):  # pygments closes every token's span at each line end
        n = 0
        for is_line, line in source:
            if is_line:
                n += 1
                # the code in its own cell after the gutter's: tab stops count from the code's first column
                yield 1, f"<div class='ql' data-n='{n}'><span class='qc'>{line.rstrip(chr(10))}</span></div>"
            else:
                yield is_line, line


def code_html(text: str, language: str, path: str | None = None, *, element_id: str = "qldrops-code",
              tab_width: int = 4, download: str | None = None) -> str:
    """The file in a monospace font, highlighted for its language (classes coloured by the theme), one line per
    row with its number in a gutter that is not selected with the code, tabs ``tab_width`` columns wide.

    Secrets masked. A file past :data:`MAX_SHOWN` characters or :data:`MAX_LINES` lines shows its start and
    says so, with ``download`` (a link's HTML, e.g. :func:`file_link_html`) for the whole file.
    """
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    note = ""
    shown = text
    if too_long(text):
        # cut first, at a line end (a secret sits on one line), then mask only what is drawn: masking
        # all of a 2 MB file would cost more than drawing its start
        head = text[:MAX_SHOWN].splitlines(keepends=True)[:MAX_LINES]
        shown = "".join(head[:-1] if len(head) > 1 and not head[-1].endswith("\n") else head)
        shown_lines = shown.count("\n") + (0 if shown.endswith("\n") else 1)
        note = (f"<div class='qldrops-box qldrops-note' id='qldrops-truncated'>Showing the first {shown_lines:,} of "
                f"{lines:,} lines ({len(shown):,} of {len(text):,} characters) so the page stays quick. "
                f"{download or 'Download the project for the whole file.'}</div>")
    shown = redact(shown)
    lexer = lexer_for(language, path)
    formatter = _LineFormatter(nowrap=False, classprefix="")
    body = highlight(shown, lexer, formatter) if shown else ""
    width = max(1, min(int(tab_width), 16))
    return (
        f"{note}<div id='{element_id}' class='qldrops-code' data-language='{html.escape(language, quote=True)}' "
        f"data-lexer='{html.escape(lexer.name, quote=True)}' data-lines='{lines}' "
        f"style='tab-size:{width};-moz-tab-size:{width}'>"
        f"<div class='qldrops-lines'>{body}</div></div>"
    )


def too_long(text: str) -> bool:
    """Past :data:`MAX_SHOWN` characters or :data:`MAX_LINES` lines: drawn cut, offered whole as a download."""
    return len(text) > MAX_SHOWN or text.count("\n") > MAX_LINES


def file_link_html(text: str, path: str) -> str:
    """A link saving one file (redacted) as it is stored, carried in the page (data: URI, no second request)."""
    data = redact(text).encode("utf-8")
    name = re.sub(r"[^\w.-]+", "-", posixpath.basename(path)) or "file.txt"
    uri = "data:text/plain;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
    return (f"<a id='qldrops-file-download' class='qldrops-button' download='{html.escape(name, quote=True)}' "
            f"href='{uri}'>Save {html.escape(name)} ({len(data) / 1024:,.0f} KB)</a>")


def header_html(preview: Preview, project: SharedProject) -> str:
    """Title, workflow, counts, languages and the link's expiry."""
    langs = sorted({f.language for f in project.files if f.language not in ("unknown", "text")})
    title = preview.title or project.workflow_id
    chips = "".join(f"<span class='qldrops-chip'>{html.escape(x)}</span>" for x in langs)
    kind = f" · {html.escape(str(project.project_type))}" if project.project_type else ""
    return (
        f"<div class='qldrops-head'><div><div class='qldrops-muted'>Shared workflow</div>"
        f"<h2 id='qldrops-title'>{html.escape(redact(title))}</h2>"
        f"<div><code id='qldrops-workflow'>{html.escape(project.workflow_id)}</code>{kind}"
        f" · {count(len(project.files), 'file')} · {count(len(project.documents), 'document')}</div></div>"
        f"<div class='qldrops-right'><div>{chips}</div><div class='qldrops-muted'>link expires "
        f"{preview.expires_at:%Y-%m-%d %H:%M} UTC</div></div></div>"
    )


def file_head_html(f: ProjectFile, drop: Any | None) -> str:
    ver = f" · v{drop.version} · updated {drop.updated_at:%Y-%m-%d}" if drop is not None else ""
    how = (f" <span class='qldrops-muted'>(detected: {html.escape(f.language_source)})</span>"
           if f.language_source else "")
    return (
        f"<div class='qldrops-filehead'><b id='qldrops-path'>{html.escape(f.path)}</b> "
        f"<span class='qldrops-chip' id='qldrops-language'>{html.escape(f.language)}</span>{how}"
        f"<span class='qldrops-muted'>{len(f.text.splitlines())} lines{ver}</span></div>"
    )


def metadata_html(drop: Any) -> str:
    meta = redact_value(drop.metadata or {})
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(short(v))}</td></tr>"
                   for k, v in sorted(meta.items()))
    base = [
        ("drop", drop.id),
        ("type", drop.drop_type),
        ("version", drop.version),
        ("size", f"{drop.size:,} bytes"),
        ("created", f"{drop.created_at:%Y-%m-%d %H:%M} UTC"),
        ("created by", drop.created_by or "–"),
    ]
    top = "".join(f"<tr><th>{k}</th><td>{html.escape(redact(str(v)))}</td></tr>" for k, v in base)
    return f"<table class='qldrops-table' id='qldrops-metadata'>{top}{rows}</table>"


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


def _diff_class(line: str) -> str:
    if line.startswith("+") and not line.startswith("+++"):
        return "add"
    if line.startswith("-") and not line.startswith("---"):
        return "del"
    return "hunk" if line.startswith("@@") else ""


def diff_html(diff: Any) -> str:
    """A diff with added/removed lines coloured; its text and metadata changes redacted."""
    lines = [f"<div class='qldrops-d{_diff_class(line)}'>{html.escape(line) or '&nbsp;'}</div>"
             for line in redact(diff.unified).splitlines()]
    meta = "".join(
        f"<li><code>{html.escape(k)}</code>: {html.escape(short(redact_value(a)))} → "
        f"{html.escape(short(redact_value(b)))}</li>"
        for k, (a, b) in sorted(diff.metadata_changes.items())
    )
    meta_html = f"<p>Metadata changes:</p><ul>{meta}</ul>" if meta else ""
    body = "".join(lines) or "<div class='qldrops-muted'>No change in the content.</div>"
    return (
        f"<div id='qldrops-diff'><p><b>v{diff.from_version} → v{diff.to_version}</b>: "
        f"<span class='qldrops-add'>+{diff.added}</span> <span class='qldrops-del'>−{diff.removed}</span> lines"
        f"</p>{meta_html}<div class='qldrops-diffbody'>{body}</div></div>"
    )


def report_html(analysis: Analysis | None) -> str:
    """Quality and security of one file (an ``Analysis`` of the analysis package), messages redacted."""
    if analysis is None:
        return ("<div class='qldrops-box qldrops-note' id='qldrops-report'>No quality and security analysis "
                "is available for this file yet.</div>")
    score = analysis.quality_score
    parts = analysis.quality_parts or {}
    issues = list(analysis.issues or [])
    colour = "#1a7f37" if (score or 0) >= 75 else "#9a6700" if (score or 0) >= 50 else "#cf222e"
    coverage = analysis.quality_coverage
    cap = analysis.quality_cap
    kpi = (
        f"<div class='qldrops-kpis'><div class='qldrops-kpi'><b style='color:{colour}'>"
        f"{'not measured' if score is None else f'{float(score):.0f}'}</b>quality (0–100)"
        f"{f'<br><small>{html.escape(coverage)}</small>' if coverage else ''}</div>"
        f"<div class='qldrops-kpi'><b>{short(_complexity(analysis.complexity), 40)}</b>complexity</div>"
        f"<div class='qldrops-kpi'><b>{sum(1 for i in issues if _is_security(i))}</b>"
        f"security findings</div><div class='qldrops-kpi'><b>{len(issues)}</b>issues</div></div>"
    )
    part_rows = "".join(f"<tr><td>{html.escape(str(k))}</td>{_part_cells(v)}</tr>" for k, v in parts.items())
    cap_html = (f"<p class='qldrops-note' id='qldrops-cap'>Score {html.escape(str(cap.get('reason', 'capped')))} "
                f"(it would be {float(cap.get('uncapped', 0)):.0f} without it).</p>" if isinstance(cap, dict) else "")
    parts_html = cap_html + (
        "<p>What makes the score:</p><table class='qldrops-table'><tr><th>part</th><th>score</th><th>weight</th>"
        f"<th>from</th><th>measured by</th></tr>{part_rows}</table>" if part_rows else ""
    )
    issue_rows = "".join(
        f"<tr class='sev-{html.escape(str(i.get('severity')))}'><td>{html.escape(str(i.get('line') or ''))}</td>"
        f"<td>{html.escape(str(i.get('severity') or ''))}</td><td><code>{html.escape(str(i.get('rule') or ''))}"
        f"</code></td><td>{html.escape(redact(str(i.get('message') or '')))}</td>"
        f"<td>{html.escape(redact(str(i.get('hint') or '')))}</td></tr>"
        for i in issues[:200]
    )
    issues_html = (
        f"<table class='qldrops-table' id='qldrops-issues'><tr><th>line</th><th>severity</th><th>rule</th>"
        f"<th>finding</th><th>how to fix</th></tr>{issue_rows}</table>" if issues else "<p>No issues found.</p>"
    )
    extra = ""
    if analysis.frameworks:
        extra += f"<p>Frameworks: {html.escape(', '.join(map(str, analysis.frameworks)))}</p>"
    if analysis.summary:
        extra += f"<p class='qldrops-muted'>{html.escape(redact(short(analysis.summary, 600)))}</p>"
    return f"<div id='qldrops-report'>{kpi}{extra}{parts_html}{issues_html}</div>"


def _part_cells(value: Any) -> str:
    """One part of the quality score: its score, weight and what it was computed from."""
    if isinstance(value, dict):
        score, weight = value.get("score"), value.get("weight")
        score_txt = f"{float(score):.0f}" if isinstance(score, (int, float)) else "not measured"
        weight_txt = f"{float(weight):.0%}" if isinstance(weight, (int, float)) and score is not None else ""
        detail = redact(short(value.get("detail", ""), 160))
        by = html.escape(str(value.get("measured_by") or ""))
        return f"<td><b>{score_txt}</b></td><td>{weight_txt}</td><td>{html.escape(detail)}</td><td>{by}</td>"
    return f"<td colspan='4'>{html.escape(redact(short(value, 160)))}</td>"


def _is_security(issue: dict) -> bool:
    return (issue.get("kind") or issue.get("category")) in ("security", "secret")


def _complexity(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("max", "cyclomatic_max", "average", "mean"):
            if key in value:
                return f"{key} {value[key]}"
        return ", ".join(f"{k} {v}" for k, v in list(value.items())[:2])
    if isinstance(value, float):
        return f"{value:.1f} avg"
    return "–" if value is None else str(value)


def similar_html(hits: list[Any], workflow_id: str) -> str:
    """Similar drops in the link's workspace: workflow, type and score; never content."""
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
    """A sandbox run (the runner's result): status, exit code, time, stdout and stderr redacted."""
    status = str(result.status)
    out, err = redact(result.stdout or ""), redact(result.stderr or "")
    dur = result.duration_ms
    head = (
        f"<div class='qldrops-runhead {'ok' if status == 'ok' else 'bad'}'><b>{html.escape(path)}</b>: "
        f"{html.escape(status)} · exit code {html.escape(str(result.exit_code))} · "
        f"{0 if dur is None else float(dur):.0f} ms{' · output cut' if result.truncated else ''}</div>"
    )
    return (
        f"<div id='qldrops-run-output' data-status='{html.escape(status, quote=True)}'>{head}"
        f"<div class='qldrops-muted'>stdout</div><pre class='qldrops-stdout'>{html.escape(out) or '(empty)'}</pre>"
        f"<div class='qldrops-muted'>stderr</div><pre class='qldrops-stderr'>{html.escape(err) or '(empty)'}"
        f"</pre></div>"
    )


def live_run_html(chunks: list[tuple[str, str]], path: str) -> str:
    """A run still going: its output so far in the order it came, stderr marked (and coloured) apart."""
    body = "".join(
        f"<span class='qldrops-{'err' if stream == 'stderr' else 'out'}' data-stream='{stream}'>"
        f"{html.escape(redact(text))}</span>" for stream, text in chunks)
    return (f"<div id='qldrops-run-output' data-status='running'><div class='qldrops-runhead'><b>{html.escape(path)}"
            f"</b>: running… <span class='qldrops-muted'>(stderr in red)</span></div>"
            f"<pre class='qldrops-live'>{body}</pre></div>")


def zip_link_html(data: bytes, name: str) -> str:
    """A download link carrying the zip itself (data: URI): works offline, no second request to the server."""
    uri = "data:application/zip;base64," + base64.b64encode(data).decode("ascii")
    safe = re.sub(r"[^\w.-]+", "-", name)
    return (
        f"<a id='qldrops-download-link' class='qldrops-button' download='{html.escape(safe, quote=True)}' "
        f"href='{uri}'>Save {html.escape(safe)} ({len(data) / 1024:.1f} KB)</a>"
    )
