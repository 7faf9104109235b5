"""The language corpus recipe (benchmarks/corpus.tsv) and its builder, without the network."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "benchmarks" / "build_corpus.py")
bc = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("build_corpus", bc)  # dataclasses look their module up
_spec.loader.exec_module(bc)


def test_the_recipe_pins_every_file():
    rows = bc.read_recipe()
    assert len(rows) > 300
    assert len({r.path for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", r.sha256), r
        assert r.package.split(":")[0] in {"pypi", "wheel", "npm", "deb"}, r
        assert r.version and r.member and r.licence not in {"", "?"}, r
        assert r.path.split("/")[0] == r.language, r
        # Permissive only: a GPL licence is acceptable only as one choice among others.
        assert "GPL" not in r.licence or " or " in r.licence.lower(), r


def test_the_recipe_is_diverse():
    rows = bc.read_recipe()
    by_lang: dict[str, list] = {}
    for r in rows:
        by_lang.setdefault(r.language, []).append(r)
    for lang, rs in by_lang.items():
        packages = {r.package for r in rs}
        assert len(packages) >= 3 or len(rs) <= 4, (lang, packages)


def _fake_npm(cache: Path, files: dict[str, bytes]) -> None:
    folder = cache / "npm" / "fake-pkg-1.0.0"
    folder.mkdir(parents=True)
    with tarfile.open(folder / "fake-pkg-1.0.0.tgz", "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def _recipe(path: Path, data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    path.write_text("# test\n" + "\t".join(bc.COLUMNS) + "\n"
                    + f"javascript/00-a.js\tjavascript\tnpm:fake-pkg\t1.0.0\tMIT\tpackage/lib/a.js\t{digest}\n")


def test_build_extracts_checks_and_is_idempotent(tmp_path):
    js = b"export const a = 1;\n" * 20
    _fake_npm(tmp_path / "cache", {"package/lib/a.js": js, "package/README.md": b"# x\n"})
    _recipe(tmp_path / "r.tsv", js)
    out = tmp_path / "corpus"
    (out / "javascript").mkdir(parents=True)
    (out / "javascript" / "stale.js").write_text("old")
    s = bc.build(tmp_path / "r.tsv", out, tmp_path / "cache", log=lambda *_: None)
    assert (out / "javascript" / "00-a.js").read_bytes() == js
    assert not (out / "javascript" / "stale.js").exists()
    manifest = (out / "MANIFEST.tsv").read_text()
    assert "javascript/00-a.js\tjavascript\ta.js\tnpm:fake-pkg 1.0.0 package/lib/a.js (MIT)" in manifest
    assert "scala/hand-Main.scala\tscala\tMain.scala\twritten by hand" in manifest  # hand files copied in
    assert (out / "scala" / "hand-Main.scala").is_file()
    assert s["fetched_packages"] == 1 and s["written"] == 1
    again = bc.build(tmp_path / "r.tsv", out, tmp_path / "cache", log=lambda *_: None)
    assert again["fetched_packages"] == 0 and again["written"] == 0 and again["removed"] == 0


def test_a_changed_file_is_a_clear_error(tmp_path):
    _fake_npm(tmp_path / "cache", {"package/lib/a.js": b"export const a = 2;\n"})
    _recipe(tmp_path / "r.tsv", b"export const a = 1;\n")
    with pytest.raises(bc.CorpusError, match=r"npm:fake-pkg 1\.0\.0: package/lib/a\.js has sha256 .* recipe pins"):
        bc.build(tmp_path / "r.tsv", tmp_path / "corpus", tmp_path / "cache", log=lambda *_: None)


def test_a_missing_member_is_a_clear_error(tmp_path):
    _fake_npm(tmp_path / "cache", {"package/lib/b.js": b"x"})
    _recipe(tmp_path / "r.tsv", b"x")
    with pytest.raises(bc.CorpusError, match=r"npm:fake-pkg 1\.0\.0: no file package/lib/a\.js"):
        bc.build(tmp_path / "r.tsv", tmp_path / "corpus", tmp_path / "cache", log=lambda *_: None)
