"""Injected HTML/JS in drops, through the dashboards' HTML helpers.

Drops whose artifact, file name, workflow id, metadata, version messages and program
output carry markup are rendered by the preview page's panels (qldrops/dashboards/
panels.py) and the HTML helpers (html.py). Every rendering is one attempt: it must
not contain any payload's live markup (only its escaped text).
"""

from __future__ import annotations

import re
from typing import Any

from .common import Config, Result, connect

# (payload, its live form: what the output holds only when the payload was not escaped)
CASES = [
    ('<script>alert("qx1")</script>', '<script>alert("qx1")'),
    ('"><img src=x onerror=alert("qx2")>', '<img src=x onerror'),
    ("'><svg onload=alert('qx3')>", "<svg onload"),
    ("</pre></code></div><iframe src=javascript:alert('qx4')>", "<iframe src=javascript"),
    ("<a href=\"javascript:alert('qx5')\">click</a>", "<a href=\"javascript"),
    ("<style>body{display:none}</style><b onmouseover=alert('qx6')>x</b>", "<b onmouseover"),
    ("<!--<script>-->alert('qx7')", "<!--<script>"),
    ("&lt;script&gt;alert('qx8')&lt;/script&gt;", "<script>alert('qx8')"),  # escaped text must stay text
    ("x' onmouseover='alert(9)", "' onmouseover='alert(9)"),  # breaking out of a quoted attribute
    ('x" onfocus="alert(10)', '" onfocus="alert(10)'),
]
PAYLOADS = [p for p, _ in CASES]


def _live_at(text: str, live: str) -> int:
    """Where ``live`` is markup in ``text``, or -1. A tag (``<...``) is live anywhere; a quote that
    breaks out of an attribute only inside a tag (in text between tags it is just a character)."""
    at = text.find(live)
    while at >= 0:
        if live.startswith("<") or text.rfind("<", 0, at) > text.rfind(">", 0, at):
            return at
        at = text.find(live, at + 1)
    return -1


def _renders(page: Any, store: Any) -> list[tuple[str, str]]:
    from qldrops.dashboards import html as h
    from qldrops.dashboards import panels
    from qldrops.runner.api import refused

    out = [("header", page.header_html())]
    for path in [f.path for f in page.project.files] + [d.path for d in page.project.documents]:
        sel = page.select(path)
        out += [(f"file head {path}", page.file_head_html()), (f"code {path}", page.code_html()),
                (f"metadata {path}", page.metadata_html()), (f"versions {path}", page.versions_html())]
        if len(sel.versions) > 1:
            out.append((f"diff {path}", page.diff_html(sel.versions[0], sel.versions[-1])))
        out.append((f"similar {path}", page.similar_html()))
    for i, p in enumerate(PAYLOADS):
        out += [(f"note {i}", h.note_html(p)), (f"muted {i}", h.muted_html(p)),
                (f"kpis {i}", h.kpis_html([(p, p)])), (f"first_lines {i}", h.note_html(h.first_lines(p))),
                (f"problem {i}", h.problem_html(ValueError(p))),
                (f"run {i}", panels.run_html(refused(p, language=p, entry=p), p))]
    return out


def run(cfg: Config) -> list[Result]:
    res = Result("html_injection")
    store = connect(f"sqlite:///{cfg.workdir / 'h.db'}", cfg.workdir)
    try:
        for i, p in enumerate(PAYLOADS):
            wf = f"wf-{i}-{p[:40]}"
            store.put(workflow_id=wf, drop_type="prompt_enhancement", artifact=f"# {p}\n{p}\n",
                      metadata={"title": p})
            name = re.sub(r"[/\\\0]", "_", p)[:100] + ".py"
            d = store.put(workflow_id=wf, drop_type="code_generation", artifact=f"print({p!r})\n# {p}\n",
                          metadata={"filename": name, "language": "python", "tags": [p], "note": p})
            store.update(d.id, artifact=f"print({p!r})\n# {p} v2\n", message=p)
            store.put(workflow_id=wf, drop_type="code_generation", artifact=f"// File: web/{name[:-3]}.js\n"
                      f"document.write('{p}')\n", metadata={"language": "javascript"})
            link = store.previews.create(wf, ttl="1h")
            from qldrops.dashboards.preview import PreviewPage

            page = PreviewPage.open(store, store.previews.view(link.id), {"client": p, "user_agent": p})
            for where, text in _renders(page, store):
                for j, (_, live) in enumerate(CASES):
                    at = _live_at(text, live)
                    res.guard(at < 0, f"payload {j} live in {where} (drops of payload {i}): "
                                      f"...{text[max(0, at - 60):at + 100]!r}")
    finally:
        store.close()
    return [res]
