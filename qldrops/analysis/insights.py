"""Dependencies (imports), frameworks, entry points and the extractive summary.

All line patterns: they must work on snippets that do not parse, in any language.
"""

from __future__ import annotations

import re
import sys

_IMPORTS: dict[str, list[re.Pattern[str]]] = {}
_IMPORT_RAW: dict[str, list[str]] = {
    "python": [r"^[ \t]*import ([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)", r"^[ \t]*from ([\w.]+) import "],
    "javascript": [r"\brequire\(\s*['\"]([^'\"]+)['\"]\s*\)", r"^[ \t]*import\s+(?:[\w*{}\s,$]+\s+from\s+)?['\"]([^'\"]+)['\"]",
                   r"\bimport\(\s*['\"]([^'\"]+)['\"]\s*\)", r"^[ \t]*export .* from ['\"]([^'\"]+)['\"]"],
    "go": [r"^import \"([^\"]+)\"", r"^[ \t]+(?:\w+ )?\"([\w./-]+)\"$"],
    "rust": [r"^[ \t]*(?:pub )?use (\w+)::", r"^[ \t]*extern crate (\w+)"],
    "java": [r"^[ \t]*import (?:static )?([\w.]+)(?:\.\*)?;"],
    "kotlin": [r"^[ \t]*import ([\w.]+)"],
    "scala": [r"^[ \t]*import ([\w.]+)"],
    "csharp": [r"^[ \t]*using ([\w.]+);"],
    "ruby": [r"^[ \t]*require ['\"]([^'\"]+)['\"]"],
    "php": [r"^[ \t]*use ([\w\\]+)"],
    "swift": [r"^[ \t]*import (\w+)"],
    "c": [r"^[ \t]*#[ \t]*include [<\"]([^>\"]+)[>\"]"],
    "cpp": [r"^[ \t]*#[ \t]*include [<\"]([^>\"]+)[>\"]"],
}
_IMPORT_RAW["typescript"] = _IMPORT_RAW["javascript"]

# framework -> (languages, regex over the source)
FRAMEWORKS: dict[str, tuple[tuple[str, ...], str]] = {
    "Flask": (("python",), r"\bfrom flask import\b|\bimport flask\b|\bFlask\(__name__"),
    "FastAPI": (("python",), r"\bfrom fastapi\b|\bimport fastapi\b|\bFastAPI\("),
    "Django": (("python",), r"\bfrom django[\w.]* import\b|\bimport django\b|\bdjango\.(db|conf|urls)\b"),
    "Starlette": (("python",), r"\bfrom starlette\b"),
    "aiohttp": (("python",), r"\bfrom aiohttp import web\b|\baiohttp\.web\b"),
    "Streamlit": (("python",), r"\bimport streamlit\b"),
    "Click": (("python",), r"\bimport click\b|@click\.(command|group)"),
    "Typer": (("python",), r"\bimport typer\b|\btyper\.Typer\("),
    "argparse": (("python",), r"\bargparse\.ArgumentParser\("),
    "pytest": (("python",), r"\bimport pytest\b|@pytest\.(fixture|mark)"),
    "pandas": (("python",), r"\bimport pandas\b"),
    "PyTorch": (("python",), r"\bimport torch\b"),
    "SQLAlchemy": (("python",), r"\bfrom sqlalchemy\b|\bimport sqlalchemy\b"),
    "React": (("javascript", "typescript"), r"from ['\"]react['\"]|require\(['\"]react['\"]\)|\bReact\.(Component|useState)|\buse(State|Effect)\("),
    "Next.js": (("javascript", "typescript"), r"from ['\"]next(/[\w/-]+)?['\"]|getServerSideProps|getStaticProps|NextResponse|NextPage"),
    "Vue": (("javascript", "typescript", "vue", "html"), r"from ['\"]vue['\"]|\bcreateApp\(|\bnew Vue\(|\bdefineComponent\(|<template>"),
    "Angular": (("typescript",), r"from ['\"]@angular/core['\"]|@Component\(\{"),
    "Svelte": (("javascript", "typescript", "svelte"), r"from ['\"]svelte"),
    "Express": (("javascript", "typescript"), r"require\(['\"]express['\"]\)|from ['\"]express['\"]|\bexpress\(\)"),
    "NestJS": (("typescript",), r"from ['\"]@nestjs/"),
    "Koa": (("javascript", "typescript"), r"require\(['\"]koa['\"]\)|from ['\"]koa['\"]"),
    "Fastify": (("javascript", "typescript"), r"require\(['\"]fastify['\"]\)|from ['\"]fastify['\"]"),
    "Jest": (("javascript", "typescript"), r"\bdescribe\(['\"].*\bexpect\(|from ['\"]@jest/"),
    "Spring": (("java", "kotlin"), r"import org\.springframework\.|@SpringBootApplication|@RestController"),
    "JUnit": (("java", "kotlin"), r"import org\.junit\."),
    "Android": (("java", "kotlin"), r"import android(x)?\."),
    "Ktor": (("kotlin",), r"import io\.ktor\."),
    "Gin": (("go",), r"\"github\.com/gin-gonic/gin\""),
    "Echo": (("go",), r"\"github\.com/labstack/echo"),
    "Cobra": (("go",), r"\"github\.com/spf13/cobra\""),
    "net/http": (("go",), r"\"net/http\""),
    "Actix": (("rust",), r"\buse actix_web\b|actix_web::"),
    "Axum": (("rust",), r"\buse axum\b|axum::"),
    "Rocket": (("rust",), r"#\[macro_use\] extern crate rocket|\buse rocket\b|#\[(get|post)\(\""),
    "Tokio": (("rust",), r"#\[tokio::main\]|\buse tokio\b"),
    "Clap": (("rust",), r"\buse clap\b|clap::"),
    "Rails": (("ruby",), r"\bRails\.|ActiveRecord::|ApplicationController|< ActionController::"),
    "Sinatra": (("ruby",), r"require ['\"]sinatra['\"]|Sinatra::Base"),
    "Laravel": (("php",), r"use Illuminate\\|Route::(get|post)\("),
    "Symfony": (("php",), r"use Symfony\\"),
    "ASP.NET": (("csharp",), r"using Microsoft\.AspNetCore|WebApplication\.CreateBuilder"),
    "SwiftUI": (("swift",), r"import SwiftUI"),
    "UIKit": (("swift",), r"import UIKit"),
    "Akka": (("scala",), r"import akka\."),
    "Spark": (("scala", "python"), r"import org\.apache\.spark|from pyspark"),
    "Tailwind": (("css", "html"), r"@tailwind\b|class=\"[^\"]*\b(flex|grid) [^\"]*\b(px|py|mt|mb)-\d"),
    "Bootstrap": (("html", "css"), r"bootstrap(\.min)?\.(css|js)|class=\"[^\"]*\b(container|row|col-md-\d)"),
}

WEB = {"Flask", "FastAPI", "Django", "Starlette", "aiohttp", "Express", "NestJS", "Koa", "Fastify", "Spring",
       "Ktor", "Gin", "Echo", "net/http", "Actix", "Axum", "Rocket", "Rails", "Sinatra", "Laravel", "Symfony",
       "ASP.NET", "Akka"}
FRONTEND = {"React", "Vue", "Angular", "Svelte", "Next.js", "SwiftUI", "UIKit", "Android", "Tailwind", "Bootstrap"}
CLI = {"Click", "Typer", "argparse", "Cobra", "Clap"}

_ENTRY: dict[str, str] = {
    "python": r"^if __name__ == ['\"]__main__['\"]\s*:|^\s*(app|server)\.run\(|^\s*uvicorn\.run\(",
    "javascript": r"\.listen\(\s*\w|^\s*(ReactDOM\.)?(createRoot|render)\(|^#!.*node",
    "typescript": r"\.listen\(\s*\w|^\s*(ReactDOM\.)?(createRoot|render)\(",
    "go": r"^func main\(\)",
    "rust": r"^\s*(async )?fn main\(\)",
    "java": r"public static void main\(",
    "kotlin": r"^fun main\(",
    "csharp": r"static (async )?(void|Task|int) Main\(|WebApplication\.CreateBuilder",
    "c": r"^\s*int main\s*\(",
    "cpp": r"^\s*int main\s*\(",
    "scala": r"def main\(|extends App\b",
    "swift": r"@main\b",
    "shell": r"^#!",
}


def imports(text: str, language: str) -> list[str]:
    """Modules/packages the code imports, in order, without duplicates."""
    if language not in _IMPORTS:
        _IMPORTS[language] = [re.compile(p, re.MULTILINE) for p in _IMPORT_RAW.get(language, [])]
    seen: dict[str, None] = {}
    for rx in _IMPORTS[language]:
        for m in rx.finditer(text):
            for name in m.group(1).split(","):
                name = name.strip().split(" as ")[0].strip()
                if name:
                    seen.setdefault(name, None)
    return list(seen)


def dependencies(text: str, language: str) -> list[str]:
    """Third-party packages (standard library and relative imports removed)."""
    out: dict[str, None] = {}
    for name in imports(text, language):
        if language == "python":
            top = name.split(".")[0]
            if top and top not in sys.stdlib_module_names and not name.startswith("."):
                out.setdefault(top, None)
        elif language in {"javascript", "typescript"}:
            if name.startswith((".", "/", "node:")) or name in _NODE_BUILTINS:
                continue
            parts = name.split("/")
            out.setdefault("/".join(parts[:2]) if name.startswith("@") else parts[0], None)
        elif language == "go":
            if "." in name.split("/")[0]:
                out.setdefault(name, None)
        elif language == "rust":
            if name not in {"std", "core", "alloc", "crate", "self", "super"}:
                out.setdefault(name, None)
        elif language in {"java", "kotlin", "scala"}:
            if not name.startswith(("java.", "javax.", "kotlin.", "scala.")):
                out.setdefault(".".join(name.split(".")[:3]), None)
        elif language in {"c", "cpp"}:
            continue
        else:
            out.setdefault(name, None)
    return list(out)


_NODE_BUILTINS = {"fs", "path", "http", "https", "os", "url", "util", "crypto", "events", "stream", "child_process",
                  "net", "zlib", "assert", "buffer", "querystring", "readline", "tls", "dns", "cluster", "process",
                  "worker_threads", "timers", "module", "vm"}


def frameworks(text: str, language: str) -> list[str]:
    return [name for name, (langs, rx) in FRAMEWORKS.items() if language in langs and re.search(rx, text, re.MULTILINE)]


def entry_point(text: str, language: str) -> bool:
    rx = _ENTRY.get(language)
    return bool(rx and re.search(rx, text, re.MULTILINE))


_DEF = {
    "python": r"^(?:async\s+)?(?:def|class)\s+(\w+)",
    "javascript": r"^(?:export\s+(?:default\s+)?)?(?:async\s+)?(?:function\*?\s+(\w+)|class\s+(\w+)|const\s+(\w+)\s*=\s*(?:async\s*)?\()",
    "go": r"^func\s+(?:\([^)]*\)\s*)?(\w+)|^type\s+(\w+)",
    "rust": r"^(?:pub(?:\(crate\))?\s+)?(?:async\s+)?(?:fn|struct|enum|trait)\s+(\w+)",
    "java": r"^\s*(?:public|protected)\s+(?:static\s+|final\s+|abstract\s+)*(?:class|interface|enum|record|[\w<>\[\]]+)\s+(\w+)\s*[({<]",
}
_DEF["typescript"] = r"^(?:export\s+(?:default\s+)?)?(?:async\s+)?(?:function\*?\s+(\w+)|class\s+(\w+)|interface\s+(\w+)|type\s+(\w+)|const\s+(\w+)\s*=\s*(?:async\s*)?\()"


def top_level_definitions(text: str, language: str, functions: list[dict] | None = None) -> list[str]:
    rx = _DEF.get(language)
    if rx:
        names = [next(g for g in m.groups() if g) for m in re.finditer(rx, text, re.MULTILINE)]
        return list(dict.fromkeys(names))
    return [f["name"] for f in (functions or [])]


def docstring(text: str, language: str) -> str:
    """The module docstring or leading comment block, first paragraph."""
    s = text.lstrip("\ufeff")
    if language == "python":
        m = re.match(r"\s*(?:#.*\n\s*)*[rRuU]?(\"\"\"|''')(.*?)\1", s, re.DOTALL)
        if m:
            return _first_paragraph(m.group(2))
    m = re.match(r"\s*/\*\*?(.*?)\*/", s, re.DOTALL)
    if m:
        return _first_paragraph(re.sub(r"^\s*\* ?", "", m.group(1), flags=re.MULTILINE))
    lines = []
    for line in s.splitlines():
        t = line.strip()
        if t.startswith(("#!", "# -*-")):
            continue
        if t.startswith(("//", "#", "--")) and not t.startswith("#include"):
            lines.append(t.lstrip("/#- "))
        elif t or lines:
            break
    return _first_paragraph("\n".join(lines))


def _first_paragraph(text: str) -> str:
    para = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    return " ".join(para.split())[:300]


def summary(text: str, language: str, *, functions: list[dict] | None = None, deps: list[str] | None = None,
            fws: list[str] | None = None, is_entry: bool = False, nloc: int | None = None) -> str:
    """A few extractive sentences: what the file says it is, what it defines and uses."""
    parts = []
    doc = docstring(text, language) if language not in {"text", "markdown", "json", "yaml", "toml"} else ""
    if language == "markdown":
        m = re.search(r"^#{1,3} (.+)$", text, re.MULTILINE)
        doc = m.group(1).strip() if m else ""
    n = nloc if nloc is not None else sum(1 for ln in text.splitlines() if ln.strip())
    parts.append(f"{language.capitalize() if language != 'unknown' else 'Unknown-language'} file, {n} non-blank lines.")
    if doc:
        parts.append(doc if doc.endswith(".") else doc + ".")
    defs = top_level_definitions(text, language, functions)
    if defs:
        shown = ", ".join(defs[:8]) + (f" and {len(defs) - 8} more" if len(defs) > 8 else "")
        parts.append(f"Defines {shown}.")
    if fws:
        parts.append(f"Uses {', '.join(fws)}.")
    if deps:
        parts.append(f"Imports {', '.join(deps[:8])}" + (" ..." if len(deps) > 8 else "") + ".")
    if is_entry:
        parts.append("Has an entry point.")
    return " ".join(parts)
