"""Split one generated artifact into files, and read a planned file tree.

Generators mark files in many ways; we read the common ones:

* a marker line: ``# File: app/main.py``, ``// path: src/index.ts``, ``<!-- file: index.html -->``,
  ``-- File: schema.sql``, ``/* File: a.c */``;
* a fence with a name: ```` ```python title="app.py" ````, ```` ```ts:src/x.ts ````, ```` ```app/main.py ````;
* a name just before a fence: ``### app/main.py``, ``**`src/index.ts`**``, ``File: x.go``, ``app.py:``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..store.paths import path_in_text

_PATH = r"[\w@.\-+/\[\]]+(?:\.[\w+\-]+|Dockerfile|Makefile|Procfile|Gemfile|Rakefile)"
_MARKER = re.compile(
    r"^[ \t]*(?:#|//|--|;|<!--|/\*|\*|%|'|rem)?[ \t]*(?:file(?:name)?|path)[ \t]*:[ \t]*`?(" + _PATH + r")`?[ \t]*(?:-->|\*/)?[ \t]*$",
    re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([^\n`]*)$")
_TITLE = re.compile(r"""(?:title|file(?:name)?|path)\s*=\s*["']?([^"'\s]+)["']?""", re.IGNORECASE)
_BEFORE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*|__)?[ \t]*(?:\d+\.[ \t]*)?(?:(?:file(?:name)?|path)[ \t]*:[ \t]*)?`?(" + _PATH
    + r")`?[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*(?:\([^)]*\))?[ \t]*$", re.IGNORECASE)
_TREE_CHARS = re.compile(r"^[\s│├└─|`+\-*]*")


@dataclass
class Piece:
    path: str | None
    text: str
    fence_tag: str | None = None
    how: str = "whole"  # marker | fence | heading | whole


def looks_like_path(s: str) -> bool:
    base = posixpath.basename(s)
    return bool(re.fullmatch(_PATH, s)) and ("." in base or base in {"Dockerfile", "Makefile", "Procfile", "Gemfile",
                                                                     "Rakefile"}) and not s.startswith("http")


def split_files(text: str) -> list[Piece]:
    """The files one artifact holds, in order (a single unnamed piece when it names none)."""
    lines = text.splitlines(keepends=True)
    if any(_FENCE_OPEN.match(ln) for ln in lines):
        pieces = _split_fenced(lines)
        if any(p.path for p in pieces):
            return pieces
    pieces = _split_markers(lines)
    return pieces or [Piece(None, text)]


def _split_markers(lines: list[str]) -> list[Piece]:
    out: list[Piece] = []
    cur_path: str | None = None
    buf: list[str] = []
    for ln in lines:
        m = _MARKER.match(ln.rstrip("\n"))
        if m and looks_like_path(m.group(1)):
            if cur_path is None and buf and buf[0].startswith("#!") and not "".join(buf[1:]).strip():
                cur_path, buf = m.group(1), buf[:1]  # `#!` then `# File: x.sh`: the interpreter line is x.sh's
                continue
            if buf and (cur_path or "".join(buf).strip()):
                out.append(Piece(cur_path, "".join(buf), how="marker" if cur_path else "whole"))
            cur_path, buf = m.group(1), []
            continue
        buf.append(ln)
    if cur_path is None:
        return []
    out.append(Piece(cur_path, "".join(buf), how="marker"))
    return out


def _split_fenced(lines: list[str]) -> list[Piece]:
    out: list[Piece] = []
    i = 0
    prose: list[str] = []
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i].rstrip("\n"))
        if not m:
            prose.append(lines[i])
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        j = i + 1
        body: list[str] = []
        while j < len(lines) and not lines[j].strip().startswith(fence[:3]):
            body.append(lines[j])
            j += 1
        name, tag = _name_from_info(info)
        how = "fence"
        if not name:
            for prev in reversed([p for p in prose[-3:] if p.strip()][-1:]):
                bm = _BEFORE.match(prev.rstrip("\n"))
                if bm and looks_like_path(bm.group(1)):
                    name, how = bm.group(1), "heading"
        inner = _split_markers(body)
        if inner and not name:
            for p in inner:
                p.fence_tag = tag
            out.extend(inner)
        else:
            out.append(Piece(name, "".join(body), tag, how if name else "whole"))
        prose = []
        i = j + 1
    return out


def _name_from_info(info: str) -> tuple[str | None, str | None]:
    if not info:
        return None, None
    t = _TITLE.search(info)
    first = info.split()[0]
    tag = first.split(":")[0] if not looks_like_path(first) or ":" in first else None
    if t and looks_like_path(t.group(1)):
        return t.group(1), tag
    if ":" in first:
        lang, _, path = first.partition(":")
        if looks_like_path(path):
            return path, lang
    if looks_like_path(first) and "." in first and not first.startswith("."):
        return first, None
    return None, first


def parse_tree(text: str) -> list[str]:
    """Paths from a planned tree: a drawing (├──), an indented list, or one path per line.

    Directories end with '/'. Comments after '#' are ignored.
    """
    paths: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, dir path)
    for raw in text.splitlines():
        if not raw.strip() or raw.strip().startswith(("```", "~~~")):
            continue
        line = re.sub(r"\s+(#|//|<--|←).*$", "", raw.rstrip())
        m = _TREE_CHARS.match(line)
        indent = len(m.group(0)) if m else 0
        name = line[indent:].strip().strip("`*")
        if not name or " " in name.strip("/") or name.endswith(":"):
            continue  # prose, not a path
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        full = name if "/" in name.rstrip("/") and not parent else posixpath.join(parent, name) if parent else name
        if name.endswith("/") or ("." not in posixpath.basename(name.rstrip("/")) and not looks_like_path(name)):
            d = full.rstrip("/") + "/"
            if stack or indent == 0 or paths:
                stack.append((indent, d.rstrip("/")))
            paths.append(d)
        else:
            paths.append(full)
    # A single top directory that wraps everything is the project folder, not part of the paths.
    tops = {p.split("/")[0] for p in paths}
    if len(tops) == 1 and len(paths) > 1 and paths[0].endswith("/") and paths[0].count("/") == 1:
        root = paths[0]
        paths = [p[len(root):] for p in paths[1:]]
    out = []
    for p in paths:
        c = path_in_text(p)
        if c:
            out.append(c + "/" if p.endswith("/") else c)
    return list(dict.fromkeys(out))
