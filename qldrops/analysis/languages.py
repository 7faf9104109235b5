"""The language table: canonical names, aliases (code-fence tags), file names and extensions.

One table so that detection, lizard's synthetic file names, project export names and
manifests agree on what "typescript" is. Canonical names are lower case and stable:
they are stored in the ``analyses`` table.
"""

from __future__ import annotations

import posixpath

UNKNOWN = "unknown"

# canonical -> (aliases incl. fence tags, extensions, default extension for synthetic names)
LANGUAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "python": (("py", "python3", "py3", "pyw", "ipython", "sage", "gyp"), (".py", ".pyw", ".pyi"), ".py"),
    "javascript": (("js", "node", "nodejs", "jsx", "mjs", "cjs", "ecmascript"), (".js", ".mjs", ".cjs", ".jsx"), ".js"),
    "typescript": (("ts", "tsx", "mts", "cts"), (".ts", ".tsx", ".mts", ".cts"), ".ts"),
    "java": (("jav",), (".java",), ".java"),
    "go": (("golang",), (".go",), ".go"),
    "rust": (("rs",), (".rs",), ".rs"),
    "c": (("h", "ansi-c"), (".c",), ".c"),
    "cpp": (("c++", "cxx", "cc", "hpp", "hxx", "h++"), (".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx", ".c++", ".ipp"), ".cpp"),
    "csharp": (("c#", "cs", "dotnet"), (".cs", ".csx"), ".cs"),
    "ruby": (("rb", "jruby", "rake", "gemspec"), (".rb", ".rake", ".gemspec", ".ru"), ".rb"),
    "php": (("php3", "php4", "php5", "php7", "php8", "phtml"), (".php", ".phtml", ".php5", ".php7"), ".php"),
    "kotlin": (("kt", "kts"), (".kt", ".kts"), ".kt"),
    "swift": ((), (".swift",), ".swift"),
    "scala": (("sc", "sbt"), (".scala", ".sc", ".sbt"), ".scala"),
    "shell": (("sh", "bash", "zsh", "ksh", "shell-script", "console", "shellsession", "bat-unix"),
              (".sh", ".bash", ".zsh", ".ksh"), ".sh"),
    "sql": (("postgresql", "postgres", "mysql", "sqlite", "plpgsql", "tsql", "psql", "pgsql"), (".sql", ".ddl"), ".sql"),
    "html": (("htm", "xhtml", "jinja", "jinja2", "django", "html5"), (".html", ".htm", ".xhtml"), ".html"),
    "css": (("scss", "sass", "less"), (".css", ".scss", ".sass", ".less"), ".css"),
    "yaml": (("yml",), (".yaml", ".yml"), ".yaml"),
    "json": (("jsonc", "json5", "geojson", "ipynb"), (".json", ".jsonc", ".json5", ".ipynb", ".geojson"), ".json"),
    "markdown": (("md", "mdx", "gfm", "rmd"), (".md", ".markdown", ".mdx", ".rmd"), ".md"),
    "dockerfile": (("docker", "containerfile"), (".dockerfile",), ""),
    "toml": ((), (".toml",), ".toml"),
    "makefile": (("make", "mk", "gnumake", "bsdmake"), (".mk", ".mak", ".make"), ""),
    "text": (("txt", "plain", "plaintext", "none", "output", "log"), (".txt", ".text", ".log", ".rst"), ".txt"),
    # Beyond the required 25: recognised by name and fence tag, weakly by content.
    "xml": (("svg", "xsd", "xsl", "plist"), (".xml", ".svg", ".xsd", ".xsl", ".plist", ".csproj", ".pom"), ".xml"),
    "ini": (("cfg", "conf", "dosini", "properties"), (".ini", ".cfg", ".conf", ".properties"), ".ini"),
    "perl": (("pl", "pm"), (".pl", ".pm"), ".pl"),
    "lua": ((), (".lua",), ".lua"),
    "r": (("rscript", "splus"), (".r",), ".R"),
    "objective-c": (("objc", "obj-c", "objectivec"), (".m", ".mm"), ".m"),
    "dart": ((), (".dart",), ".dart"),
    "powershell": (("ps1", "pwsh", "posh"), (".ps1", ".psm1"), ".ps1"),
    "batch": (("bat", "cmd", "batchfile"), (".bat", ".cmd"), ".bat"),
    "haskell": (("hs",), (".hs",), ".hs"),
    "elixir": (("ex", "exs"), (".ex", ".exs"), ".ex"),
    "vue": ((), (".vue",), ".vue"),
    "svelte": ((), (".svelte",), ".svelte"),
    "terraform": (("hcl", "tf"), (".tf", ".hcl"), ".tf"),
    "graphql": (("gql",), (".graphql", ".gql"), ".graphql"),
    "protobuf": (("proto",), (".proto",), ".proto"),
    "diff": (("patch", "udiff"), (".diff", ".patch"), ".diff"),
}

# Exact base names (lower case) that decide the language on their own.
FILENAMES: dict[str, str] = {
    "dockerfile": "dockerfile", "containerfile": "dockerfile",
    "makefile": "makefile", "gnumakefile": "makefile", "bsdmakefile": "makefile",
    "gemfile": "ruby", "rakefile": "ruby", "podfile": "ruby", "vagrantfile": "ruby", "config.ru": "ruby",
    "cmakelists.txt": "text", "requirements.txt": "text", "license": "text", "readme": "text",
    "copying": "text", "authors": "text", "changelog": "text", "notice": "text",
    "pipfile": "toml", "cargo.lock": "toml", "poetry.lock": "toml", "go.mod": "text", "go.sum": "text",
    ".bashrc": "shell", ".bash_profile": "shell", ".profile": "shell", ".zshrc": "shell",
    "package.json": "json", "tsconfig.json": "json", "composer.json": "json",
    ".gitignore": "text", ".dockerignore": "text", ".env": "shell", "build.gradle": "text",
    "build.gradle.kts": "kotlin", "jenkinsfile": "text", "procfile": "text",
}

# lizard picks its parser from the extension; these are the ones it reads.
LIZARD_EXT: dict[str, str] = {
    "python": ".py", "javascript": ".js", "typescript": ".ts", "java": ".java", "go": ".go",
    "rust": ".rs", "c": ".c", "cpp": ".cpp", "csharp": ".cs", "ruby": ".rb", "php": ".php",
    "kotlin": ".kt", "swift": ".swift", "scala": ".scala", "lua": ".lua", "objective-c": ".m",
    "perl": ".pl", "r": ".r", "vue": ".vue", "erlang": ".erl",
}

_ALIASES: dict[str, str] = {}
_EXTENSIONS: dict[str, str] = {}


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    if not _ALIASES:
        for canonical, (aliases, exts, _default) in LANGUAGES.items():
            _ALIASES[canonical] = canonical
            for a in aliases:
                _ALIASES.setdefault(a, canonical)
            for e in exts:
                _EXTENSIONS.setdefault(e, canonical)
        _ALIASES.update({"c-sharp": "csharp", "objectivec": "objective-c", "golang": "go", "plain text": "text"})
    return _ALIASES, _EXTENSIONS


def normalize(name: str | None) -> str | None:
    """Canonical language for a declared name or a fence tag (``"py"``, ``"C++"``, ``"TSX"``); None if unknown."""
    if not name:
        return None
    aliases, _ = _tables()
    key = name.strip().lower()
    key = key.split()[0] if key else key
    key = key.lstrip(".{").rstrip("}")
    return aliases.get(key)


def from_filename(filename: str | None) -> tuple[str | None, bool]:
    """(language, ambiguous) from a file name or path. ``.h`` is ambiguous (C, C++ or Objective-C)."""
    if not filename:
        return None, False
    base = posixpath.basename(filename.replace("\\", "/")).lower()
    if base in FILENAMES:
        return FILENAMES[base], False
    if base.startswith(("dockerfile.", "containerfile.")) or base.endswith(".dockerfile"):
        return "dockerfile", False
    if base.startswith("makefile.") or base.startswith("gnumakefile."):
        return "makefile", False
    if base.startswith("requirements") and base.endswith(".txt"):
        return "text", False
    if base.endswith(".h"):
        return "c", True
    if base.endswith((".m",)):  # Objective-C or MATLAB
        return "objective-c", True
    _, exts = _tables()
    ext = posixpath.splitext(base)[1]
    if ext in exts:
        return exts[ext], False
    return None, False


def extension_for(language: str) -> str:
    """The extension a synthetic file name gets (``main.py``); ``""`` for Dockerfile/Makefile."""
    entry = LANGUAGES.get(language)
    return entry[2] if entry else ".txt"


def default_filename(language: str, stem: str = "main") -> str:
    if language == "dockerfile":
        return "Dockerfile"
    if language == "makefile":
        return "Makefile"
    return stem + extension_for(language)
