"""Assemble the labelled language corpus under benchmarks/corpus/<language>/.

Run once by hand (`.venv/bin/python benchmarks/corpus/build_corpus.py`); its output is
committed, because most sources below exist only on the machine it was built on:

* the packages installed in `.venv/lib/python3.11/site-packages` and Debian's /usr/share,
  /usr/lib (npm, cmake, vim, google-cloud-sdk, rabbitmq), ~/.pyenv;
* Debian source-carrying packages fetched with `apt-get download` and unpacked with
  `dpkg-deb -x` into /tmp/corp/x (golang-github-gin-gonic-gin-dev, golang-github-spf13-cobra-dev,
  librust-serde-json-dev, librust-anyhow-dev, librust-clap-dev, ruby-rack, ruby-sinatra, ruby-thor,
  php-symfony-console, openjdk-17-source), the npm packages rxjs and expo-modules-core
  (`npm pack`), and the pythonnet sdist from PyPI (C#).

Files are picked with a fixed seed, one per directory where possible (diversity), sized
300 B..24 KB. Languages nothing on this machine carries (Scala, some Dockerfiles) are
written by hand into `<language>/hand-*` and are not touched by this script.
`MANIFEST.tsv` records path, language, original file name and source.
"""

from __future__ import annotations

import os
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE.parent.parent / ".venv" / "lib" / "python3.11" / "site-packages"
X = Path("/tmp/corp/x")
PER_LANG = 20
MIN_SIZE, MAX_SIZE = 300, 24_000

SOURCES: dict[str, list[str]] = {
    "python": [f"{VENV}/**/*.py"],
    "javascript": ["/usr/lib/node_modules/npm/**/*.js", "/usr/share/javascript/**/*.js",
                   f"{VENV}/**/*.js"],
    "typescript": [f"{X}/rxjs-7.8.2/package/src/**/*.ts", f"{X}/expo-modules-core-58.0.7/**/*.ts",
                   f"{X}/expo-modules-core-58.0.7/**/*.tsx"],
    "java": [f"{X}/expo-modules-core-58.0.7/**/*.java"],  # + openjdk src.zip below
    "go": [f"{X}/usr/share/gocode/**/*.go", "/usr/share/doc/git/**/*.go"],
    "rust": [f"{X}/usr/share/cargo/**/*.rs"],
    "c": [f"{VENV}/**/*.c", "/root/.pyenv/versions/3.11.7/**/*.c", "/usr/share/doc/**/*.c"],
    "cpp": [f"{VENV}/**/*.cpp", f"{VENV}/**/*.cc", f"{X}/expo-modules-core-58.0.7/**/*.cpp",
            "/usr/share/cmake-3.25/**/*.cxx", "/usr/share/cmake-3.25/**/*.cpp"],
    "csharp": [f"{X}/pythonnet-3.2.1.tar.gz/**/*.cs"],
    "ruby": [f"{X}/usr/lib/ruby/**/*.rb", f"{X}/usr/share/rubygems-integration/**/*.rb",
             "/usr/share/doc/redis-tools/**/*.rb"],
    "php": [f"{X}/usr/share/php/**/*.php", "/usr/share/**/*.php"],
    "kotlin": [f"{X}/expo-modules-core-58.0.7/**/*.kt"],
    "swift": [f"{X}/expo-modules-core-58.0.7/**/*.swift"],
    "scala": [],  # nothing on this machine carries Scala: hand-written files only
    "shell": ["/usr/share/**/*.sh", "/usr/lib/**/*.sh", "/root/.pyenv/**/*.sh", f"{VENV}/**/*.sh",
              "/usr/share/doc/**/*.bash"],
    "sql": ["/usr/share/**/*.sql", "/usr/lib/**/*.sql"],
    "html": ["/usr/share/doc/**/*.html", f"{VENV}/**/*.html", "/usr/share/**/*.html"],
    "css": ["/usr/share/**/*.css", f"{VENV}/**/*.css"],
    "yaml": [f"{VENV}/**/*.yaml", f"{VENV}/**/*.yml", "/usr/share/**/*.yaml", "/usr/share/**/*.yml",
             "/usr/lib/google-cloud-sdk/**/*.yaml"],
    "json": [f"{VENV}/**/*.json", "/usr/share/**/*.json", "/usr/lib/node_modules/**/*.json"],
    "markdown": [f"{VENV}/**/*.md", "/usr/share/doc/**/*.md", "/usr/lib/node_modules/**/*.md"],
    "dockerfile": ["/root/.pyenv/test/Dockerfile", "/usr/lib/**/Dockerfile",
                   "/usr/lib/google-cloud-sdk/platform/ext-runtime/**/Dockerfile*"],
    "toml": [f"{VENV}/**/*.toml", "/usr/share/**/*.toml", f"{X}/**/Cargo.toml", "/root/.pyenv/**/*.toml"],
    "makefile": ["/root/.pyenv/**/Makefile", "/usr/share/**/Makefile", "/usr/share/**/*.mk",
                 "/usr/lib/**/Makefile", f"{X}/**/Makefile"],
    "text": ["/usr/share/common-licenses/*", "/usr/share/doc/*/README", "/usr/share/doc/*/NEWS",
             "/usr/share/doc/*/AUTHORS", f"{VENV}/*.dist-info/LICENSE*", "/usr/share/doc/*/THANKS",
             "/usr/share/dict/README*"],
}


ROOTS = ("/usr/share", "/usr/lib", "/root/.pyenv", str(VENV), str(X))
_ALL: list[str] = []


def _all_files() -> list[str]:
    """Walk each root once; a recursive glob per pattern took many minutes over /usr."""
    if not _ALL:
        for root in ROOTS:
            for dirpath, _dirs, files in os.walk(root):
                _ALL.extend(os.path.join(dirpath, f) for f in files)
    return _ALL


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
    return re.compile(out + "$")


def _candidates(patterns: list[str]) -> list[Path]:
    out: list[Path] = []
    for pattern in patterns:
        rx = _glob_regex(pattern)
        for name in (n for n in _all_files() if rx.match(n)):
            p = Path(name)
            try:
                if p.is_file() and not p.is_symlink() and MIN_SIZE <= p.stat().st_size <= MAX_SIZE:
                    if p.name.endswith((".d.ts", ".min.js", ".min.css")) or "/corpus/" in name:
                        continue
                    raw = p.read_bytes()
                    raw.decode("utf-8")
                    if b"\0" in raw:
                        continue
                    out.append(p)
            except (OSError, UnicodeDecodeError):
                continue
    return out


def _pick(paths: list[Path], n: int, rng: random.Random) -> list[Path]:
    """One file per parent directory first (diversity), then fill up."""
    rng.shuffle(paths)
    by_dir: dict[Path, list[Path]] = {}
    for p in paths:
        by_dir.setdefault(p.parent, []).append(p)
    picked: list[Path] = []
    dirs = list(by_dir)
    rng.shuffle(dirs)
    while len(picked) < n and dirs:
        for d in list(dirs):
            if by_dir[d]:
                picked.append(by_dir[d].pop())
                if len(picked) >= n:
                    break
            else:
                dirs.remove(d)
    return picked


def _jdk_sources(n: int, rng: random.Random) -> list[tuple[str, bytes]]:
    zpath = X / "usr/lib/jvm/openjdk-17/lib/src.zip"
    if not zpath.exists():
        return []
    with zipfile.ZipFile(zpath) as z:
        names = [i for i in z.infolist() if i.filename.endswith(".java") and MIN_SIZE <= i.file_size <= MAX_SIZE]
        rng.shuffle(names)
        return [(i.filename, z.read(i)) for i in names[:n]]


def main() -> None:
    rng = random.Random(20261126)
    rows = []
    for lang, patterns in SOURCES.items():
        d = HERE / lang
        d.mkdir(exist_ok=True)
        for old in d.iterdir():
            if not old.name.startswith("hand-"):
                old.unlink()
        hand_files = sorted(p for p in d.iterdir() if p.name.startswith("hand-"))
        for p in hand_files:
            rows.append(f"{lang}/{p.name}\t{lang}\t{p.name[len('hand-'):]}\twritten by hand")
        hand = len(hand_files)
        want = max(0, PER_LANG - hand)
        items: list[tuple[str, bytes]] = []
        if lang == "java":
            items += _jdk_sources(want - 6, rng)
        for p in _pick(_candidates(patterns), want - len(items), rng):
            items.append((str(p), p.read_bytes()))
        for i, (src, data) in enumerate(items):
            base = os.path.basename(src)
            dest = d / f"{i:02d}-{base}"
            dest.write_bytes(data)
            rows.append(f"{lang}/{dest.name}\t{lang}\t{base}\t{src}")
    (HERE / "MANIFEST.tsv").write_text("path\tlanguage\tname\tsource\n" + "\n".join(sorted(rows)) + "\n")


if __name__ == "__main__":
    main()
