"""Choose the corpus files once and write the pinned recipe `benchmarks/corpus.tsv`.

    .venv/bin/python benchmarks/corpus_pick.py      # maintainers only; `make corpus` never runs it

Downloads the candidate packages below (latest versions, or the pinned ones given), lists
their files per language, and picks with a fixed seed: files of 300 B..24 KB, valid UTF-8,
at most a few per package and one per folder first (near-copies from one project would
inflate accuracy). The result is a recipe with exact versions and sha256s; re-running this
script later picks from newer versions, so review the diff before committing it.
"""

from __future__ import annotations

import fnmatch
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_corpus import CACHE, COLUMNS, HAND, RECIPE, CorpusError, fetch, members, sha256

MIN_SIZE, MAX_SIZE, PER_LANG = 300, 24_000, 20

GO = ["gin-gonic-gin", "spf13-cobra", "stretchr-testify", "pkg-errors", "google-uuid", "sirupsen-logrus",
      "gorilla-mux", "spf13-pflag", "burntsushi-toml", "urfave-cli", "go-chi-chi", "mattn-go-isatty",
      "gorilla-websocket", "fatih-color", "julienschmidt-httprouter"]
RUST = ["serde-json", "anyhow", "clap", "regex", "itoa", "log", "bytes", "memchr", "rand-core", "thiserror",
        "semver", "smallvec", "libc", "rayon", "tokio", "crossbeam-utils"]
RUBY = ["thor", "i18n", "concurrent", "addressable", "mustache", "rspec-core", "rouge", "kramdown", "faraday",
        "tzinfo"]
PHP = ["psr-log", "monolog", "nikic-fast-route", "doctrine-inflector", "psr-container", "psr-http-message",
       "ramsey-uuid", "brick-math", "webmozart-assert", "parsedown", "dflydev-dot-access-data", "league-config",
       "nette-schema", "nette-utils"]
PY_WHEELS = ["requests", "click", "attrs", "flask", "idna", "urllib3", "packaging", "jinja2", "rich", "itsdangerous",
             "toolz", "six", "pluggy", "httpx", "mkdocs", "jsonschema-specifications", "nbformat", "furo",
             "sphinx-rtd-theme", "jupyter-server", "pdoc", "dbt-core", "cfn-lint", "mkdocs-material", "sqlfluff",
             "dbt-adapters", "dbt-postgres"]
SDISTS = ["markupsafe", "brotli", "lz4", "ujson", "psutil", "bitarray", "xxhash", "mmh3", "cffi", "zstandard",
          "setproctitle", "multidict", "pybind11", "kiwisolver", "greenlet", "murmurhash", "pythonnet", "clr-loader",
          "jpype1", "coverage", "sqlparse", "sqlglot", "pyyaml", "simplejson", "msgpack", "wrapt", "cython", "lupa",
          "apsw", "cmarkgfm", "pycryptodome", "gevent", "httptools", "docker", "jupyterhub", "locust", "datasette",
          "sqlfluff", "aiosql", "sqllineage", "pyzmq"]
NPM = ["lodash", "express", "commander", "moment", "axios", "async", "debug", "yargs", "qs", "semver", "underscore",
       "ws", "ejs", "marked", "minimist", "body-parser", "rxjs", "zod", "fp-ts", "io-ts", "superstruct", "immer",
       "mobx", "@tanstack/query-core", "expo-modules-core", "cordova-android", "@capacitor/android", "@capacitor/ios",
       "react-native-svg", "react-native-webview", "react-native-device-info", "@react-native-async-storage/async-storage",
       "react-native-screens", "react-native-gesture-handler", "react-native-safe-area-context",
       "@stripe/stripe-react-native", "expo-file-system", "expo-camera", "expo-image-picker", "expo-notifications",
       "lottie-react-native", "react-native-mmkv", "react-native-reanimated", "@react-native-community/netinfo",
       "bufferutil", "utf-8-validate", "edge-js", "normalize.css", "animate.css", "purecss", "github-markdown-css",
       "highlight.js", "bootstrap", "font-awesome", "milligram", "water.css", "modern-normalize", "sanitize.css",
       "spectre.css", "leaflet", "codemirror@5", "nprogress", "reveal.js", "swagger-ui-dist", "jsdoc", "ajv",
       "spdx-exceptions", "emojilib", "graphile-worker", "node-pg-migrate", "node-gyp", "@tsconfig/recommended",
       "@react-native-windows/cli", "bats", "postgrator"]

CANDIDATES = ([f"deb:golang-github-{g}-dev" for g in GO] + [f"deb:librust-{r}-dev" for r in RUST]
              + [f"deb:ruby-{r}" for r in RUBY] + [f"deb:php-{p}" for p in PHP] + ["deb:golang-gopkg-yaml.v3-dev",
              "deb:golang-golang-x-text-dev"] + [f"wheel:{w}" for w in PY_WHEELS] + [f"pypi:{s}" for s in SDISTS]
              + [f"npm:{n}" for n in NPM])

# language: (file name patterns, at most this many files from one package)
LANGS: dict[str, tuple[list[str], int]] = {
    "c": (["*.c"], 3), "cpp": (["*.cpp", "*.cc", "*.cxx", "*.hpp"], 3), "csharp": (["*.cs"], 8),
    "css": (["*.css"], 2), "go": (["*.go"], 2), "html": (["*.html", "*.htm"], 3), "java": (["*.java"], 3),
    "javascript": (["*.js"], 2), "json": (["*.json"], 2), "kotlin": (["*.kt"], 3), "php": (["*.php"], 2),
    "python": (["*.py"], 2), "ruby": (["*.rb"], 2), "rust": (["*.rs"], 2), "shell": (["*.sh", "*.bash"], 3),
    "sql": (["*.sql"], 4), "swift": (["*.swift"], 3), "typescript": (["*.ts", "*.tsx"], 3),
    "yaml": (["*.yaml", "*.yml"], 3), "markdown": (["*.md"], 1), "toml": (["*.toml"], 2),
    "makefile": (["Makefile", "GNUmakefile", "makefile", "*.mk"], 2), "dockerfile": (["Dockerfile", "Dockerfile.*"], 3),
    "text": (["LICENSE", "LICENSE.txt", "COPYING", "AUTHORS", "AUTHORS.txt", "NEWS", "README", "README.txt",
              "CHANGES.txt", "CHANGELOG.txt", "THANKS", "NOTICE", "HISTORY.txt", "CONTRIBUTORS", "copyright"], 1),
}
# Licences as the packages' metadata spells them, or where it says nothing usable.
LICENCE_FIX = {"Expat": "MIT", "MIT License": "MIT", "BSD 3-Clause License": "BSD-3-Clause",
               "BSD-3-clause": "BSD-3-Clause", "BSD-2-clause": "BSD-2-Clause",
               "Apache Software License": "Apache-2.0", "Apache License, Version 2.0": "Apache-2.0", "MIT style": "MIT"}
LICENCE_OF = {"pypi:kiwisolver": "BSD-3-Clause", "pypi:clr-loader": "MIT", "pypi:lz4": "BSD-3-Clause",
              "pypi:sqlparse": "BSD-3-Clause", "wheel:jinja2": "BSD-3-Clause", "wheel:itsdangerous": "BSD-3-Clause",
              "deb:golang-github-google-uuid-dev": "BSD-3-Clause"}
# Near-copies across packages (generated boilerplate): at most 2 of each kind.
BOILERPLATE = {b"SPHINXBUILD": "sphinx-makefile"}
SKIP = re.compile(r"(\.min\.(js|css)$|\.d\.ts$|\.d\.[cm]ts$|(^|/)node_modules/|\.bundle\.js$|/dist/.*umd)")


def _version(kind: str, name: str, archive: Path) -> str:
    if kind == "npm":
        got = members(archive, {"package/package.json"})
        return json.loads(got["package/package.json"])["version"]
    if kind == "deb":
        out = subprocess.run(["dpkg-deb", "-f", str(archive), "Version"], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    stem = archive.name.removesuffix(".tar.gz").removesuffix(".zip")
    return stem.split("-")[1] if kind == "wheel" else stem.rsplit("-", 1)[1]


def resolve(spec: str) -> tuple[str, str, Path]:
    """Fetch the newest (or the given) version of ``spec``; return (package, version, archive).

    The version found is remembered in the cache (resolved.json) so that a second run picks
    from the same archives."""
    memo_file = CACHE / "resolved.json"
    memo = json.loads(memo_file.read_text()) if memo_file.is_file() else {}
    if spec in memo:
        package, version = memo[spec]
        return package, version, fetch(package, version)
    package, version, archive = _resolve(spec)
    memo[spec] = [package, version]
    memo_file.write_text(json.dumps(memo, indent=1, sort_keys=True))
    return package, version, archive


def _resolve(spec: str) -> tuple[str, str, Path]:
    kind, _, name = spec.partition(":")
    want = ""
    if kind == "npm" and "@" in name[1:]:
        name, want = name[0] + name[1:].split("@")[0], name[1:].split("@", 1)[1]
    tmp = Path(tempfile.mkdtemp(dir=CACHE))
    try:
        if kind == "npm":
            cmd = ["npm", "pack", "--silent", f"{name}@{want}" if want else name]
        elif kind == "deb":
            cmd = ["apt-get", "download", "-q", name]
        elif kind == "wheel":
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", name, "-d", "."]
        else:
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", name, name, "-d", "."]
        subprocess.run(cmd, cwd=tmp, check=True, capture_output=True)
        archive = next(tmp.iterdir())
        version = _version(kind, name, archive)
        package = f"{kind}:{name}"
        final = CACHE / kind / f"{name.replace('/', '__')}-{version}"
        if not final.is_dir():
            final.mkdir(parents=True)
            shutil.move(str(archive), final / archive.name)
        return package, version, fetch(package, version)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def licence(package: str, files: dict[str, bytes]) -> str:
    if package in LICENCE_OF:
        return LICENCE_OF[package]
    found = _licence(package, files)
    return LICENCE_FIX.get(found, found)


def _licence(package: str, files: dict[str, bytes]) -> str:
    kind = package.split(":")[0]
    if kind == "npm":
        return str(json.loads(files["package/package.json"]).get("license", "?"))
    if kind == "deb":
        name = package.split(":")[1]
        text = files.get(f"usr/share/doc/{name}/copyright", b"").decode("utf-8", "replace")
        lic = [ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("License:")]
        return lic[0] if lic else "?"
    meta = next((v for k, v in files.items() if k.count("/") <= 1 and k.endswith(("PKG-INFO", ".dist-info/METADATA"))), b"")
    text = meta.decode("utf-8", "replace").split("\n\n")[0]
    for key in ("License-Expression:", "License:"):
        for ln in text.splitlines():
            if ln.startswith(key) and len(ln) < 80:
                return ln.split(":", 1)[1].strip()
    cls = [ln.rsplit("::", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Classifier: License ::")]
    return cls[0] if cls else "?"


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    hand = {p.name: len(list(p.iterdir())) for p in HAND.iterdir() if p.is_dir()}
    pools: dict[str, list[tuple[str, str, str, str, bytes]]] = defaultdict(list)
    licences: dict[str, str] = {}
    for spec in CANDIDATES:
        try:
            package, version, archive = resolve(spec)
        except (subprocess.CalledProcessError, CorpusError, StopIteration) as e:
            print(f"skip {spec}: {e}", file=sys.stderr)
            continue
        files = members(archive)
        licences[package] = licence(package, files)
        print(f"{package} {version} {licences[package]}: {len(files)} files", file=sys.stderr, flush=True)
        for path, data in files.items():
            base = PurePosixPath(path).name
            if not MIN_SIZE <= len(data) <= MAX_SIZE or SKIP.search(path) or b"\0" in data:
                continue
            for lang, (patterns, _cap) in LANGS.items():
                if any(fnmatch.fnmatchcase(base, p) for p in patterns):
                    try:
                        data.decode("utf-8")
                    except UnicodeDecodeError:
                        break
                    pools[lang].append((package, version, path, base, data))
                    break
    rng = random.Random(20261130)
    rows = []
    seen_digests: set[str] = set()
    for lang, (_patterns, cap) in LANGS.items():
        want = PER_LANG - hand.get(lang, 0)
        pool = pools[lang]
        rng.shuffle(pool)
        per_pkg: dict[str, int] = defaultdict(int)
        dirs: set[tuple[str, str]] = set()
        picked = []
        for strict in (True, False):   # first pass: one file per folder of each package
            for item in pool:
                package, version, path, base, data = item
                d = sha256(data)
                key = (package, str(PurePosixPath(path).parent))
                norm = sha256(re.sub(rb"(?im)^.*copyright.*$|\s+", b"", data))
                if len(picked) >= want or d in seen_digests or norm in seen_digests or per_pkg[package] >= cap:
                    continue
                if strict and key in dirs:
                    continue
                group = next((g for mark, g in BOILERPLATE.items() if mark in data), None)
                if group and per_pkg[group] >= 2:
                    continue
                if group:
                    per_pkg[group] += 1
                picked.append(item)
                seen_digests.update({d, norm})
                per_pkg[package] += 1
                dirs.add(key)
        picked.sort(key=lambda it: (it[0], it[2]))
        for i, (package, version, path, base, data) in enumerate(picked):
            rows.append([f"{lang}/{i:02d}-{base}", lang, package, version, licences[package], path, sha256(data)])
        print(f"{lang}: {len(picked)} files from {len(per_pkg)} packages (pool {len(pool)})", file=sys.stderr)
    head = ("# The language corpus: one row per file, fetched by benchmarks/build_corpus.py (`make corpus`).\n"
            "# package = pypi:NAME (sdist) | wheel:NAME | npm:NAME | deb:NAME; member = path inside the archive.\n"
            "# Written by benchmarks/corpus_pick.py; hand-written files live in benchmarks/corpus_hand/.\n")
    RECIPE.write_text(head + "\t".join(COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
