"""Paths through the dashboard's download (and the store's own zip and folder export).

Random hostile file names (``..``, absolute, backslashes, drive letters, NUL, dots,
percent-encoding, very long parts) reach the zip three ways: a SharedProject handed
straight to ``zip_bytes``; drops whose ``metadata["filename"]`` or ``# File:`` markers
carry them, downloaded through a share link's page (the data: URI in its link) and
``store.project(wf).to_zip()``; and ``Project.write_to(folder)``. Every attempt either
refuses the name or keeps every entry inside the project's one folder.
"""

from __future__ import annotations

import base64
import io
import posixpath
import re
import warnings
import zipfile
from pathlib import Path

from .common import Config, Result, connect, rng

PARTS = ["..", ".", "", "a", "src", "/", "\\", "..\\..", "C:", "c:\\", "%2e%2e", "\x00", "․․", "~", "$HOME",
         "...", "a" * 300, ".qldrops", "/etc/passwd", "//server/share", "con", "é", "\n", " "]


def _inside(name: str) -> bool:
    top = name.split("/", 1)[0]
    norm = posixpath.normpath(name)
    return (bool(top) and top not in (".", "..") and not name.startswith("/") and "\\" not in name
            and "\x00" not in name and ".." not in name.split("/") and norm.startswith(top))


def _names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.namelist()


def _duplicates(res: Result, names: list[str], where: str, seen: dict[str, int]) -> None:
    """Two entries with one name: not an escape, but the second silently replaces the first when unpacked."""
    dupes = sorted({n.split("/", 1)[-1] for n in names if names.count(n) > 1})
    if dupes:
        res.failed += 1
        key = f"{where}: {', '.join(dupes[:3])}"
        seen[key] = seen.get(key, 0) + 1


def run(cfg: Config) -> list[Result]:
    from qldrops.dashboards.preview import PreviewPage
    from qldrops.dashboards.project import ProjectFile, SharedProject, zip_bytes
    from qldrops.errors import QldropsError

    warnings.filterwarnings("ignore", "Duplicate name", UserWarning)  # counted below instead
    res = Result("download_paths")
    r = rng(cfg, "download")
    paths = ["/".join(r.choice(PARTS) for _ in range(r.randint(1, 5))) for _ in range(cfg.cycles(300, 3000))]
    paths += ["..", "a/../../../b.py", "../x.py", "/abs.py", "a\\..\\..\\x.py", "C:/x.py"]
    refused = 0
    for p in paths:  # 1. a SharedProject straight into zip_bytes
        try:
            data = zip_bytes(SharedProject(r.choice(["..", "wf", "../../wf", "/", ""]),
                                           [ProjectFile(p, "x", "text", None)], []))
        except QldropsError:
            refused += 1
            res.tried += 1
            continue
        names = _names(data)
        res.guard(all(_inside(n) for n in names), f"zip_bytes({p!r}) -> {names}")
    res.note(f"zip_bytes refused {refused} of {len(paths)} names")
    dupes: dict[str, int] = {}
    store = connect(f"sqlite:///{cfg.workdir / 'd.db'}", cfg.workdir)
    try:  # 2. through the store: drops carrying the names, a link's download, to_zip and write_to
        for n in range(cfg.cycles(8, 60)):
            wf = r.choice(["..", "../..", "/", "wf/../..", f"wf-{n}", "."]) + f"{n}" * r.randint(0, 1)
            chosen = r.sample([p for p in paths if "\x00" not in p], 6)  # artifacts refuse NUL
            for p in chosen[:3]:
                store.put(workflow_id=wf, drop_type="code_generation", artifact=f"print({p!r})\n",
                          metadata={"filename": p, "language": "python"})
            markers = "".join(f"# File: {p}\nprint(1)\n" for p in chosen[3:])
            store.put(workflow_id=wf, drop_type="code_generation", artifact=markers + "# File: ok.py\nprint(2)\n",
                      metadata={"language": "python"})
            store.put(workflow_id=wf, drop_type="project_structure", artifact="\n".join(chosen),
                      metadata={"files": chosen})
            try:
                names = _names(store.project(wf).to_zip())
                _duplicates(res, names, "store.project().to_zip()", dupes)
                res.guard(all(_inside(x) for x in names), f"store.project({wf!r}).to_zip() -> {names}")
                out = cfg.workdir / f"export-{n}"
                written = store.project(wf).write_to(out)
                res.guard(all(Path(w).resolve().is_relative_to(out.resolve()) for w in written),
                          f"write_to outside its folder: {written}")
            except QldropsError as e:
                res.tried += 1
                res.failed += 1
                res.note(f"project {wf!r}: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
            except OSError as e:  # not an escape, but a raw error where an instruction belongs
                res.tried += 1
                res.failed += 1
                res.note(f"observed: project {wf!r}: raw {type(e).__name__}: {str(e)[:140]}")
            link = store.previews.create(wf, ttl="1h")
            try:
                page = PreviewPage.open(store, store.previews.view(link.id), {})
                found = re.search(r"download='([^']*)' href='data:application/zip;base64,([^']*)'", page.download_html())
            except QldropsError as e:
                res.tried += 1
                res.failed += 1
                res.note(f"page {wf!r}: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
                continue
            res.guard(found is not None, f"no download link for {wf!r}")
            if found:
                names = _names(base64.b64decode(found.group(2)))
                _duplicates(res, names, "the link's download", dupes)
                res.guard(all(_inside(x) for x in names), f"the link's download for {wf!r} -> {names}")
                res.guard("/" not in found.group(1) and "\\" not in found.group(1),
                          f"download name {found.group(1)!r}")
    finally:
        store.close()
    for key, n in sorted(dupes.items()):
        res.note(f"observed: {n} x duplicate zip entries in {key}")
    return [res]
