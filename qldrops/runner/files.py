"""Checking a project's file names before any of them reaches the sandbox.

A file name is untrusted input (it comes from a drop's metadata): it must stay
a relative path inside the scratch directory. Anything else is refused, with
the offending name in the reason, rather than "cleaned up" into a different
file the author did not write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..store.paths import UnsafePath, safe_path


class Refused(Exception):
    """Internal: the project cannot run as given. ``run_files`` turns it into a ``refused`` result."""


@dataclass(frozen=True)
class ProjectFiles:
    """Validated files: (relative path, bytes) pairs and the directories they need, parents first."""

    files: tuple[tuple[str, bytes], ...]
    dirs: tuple[str, ...]
    total_bytes: int


def clean_path(name: object) -> str:
    """The normalised relative path for ``name`` (:func:`qldrops.store.paths.safe_path`), or ``Refused``."""
    try:
        return safe_path(name)
    except UnsafePath as e:
        raise Refused(e.message) from None


def prepare(files: Mapping[str, str | bytes], entry: str, *, max_files: int, max_bytes: int) -> tuple[ProjectFiles, str]:
    """Validate ``files`` and ``entry``; return the project and the cleaned entry path."""
    if not isinstance(files, Mapping) or not files:
        raise Refused("no files to run: pass a dict {path: text} with at least the entry file")
    if len(files) > max_files:
        raise Refused(f"{len(files)} files is more than the limit of {max_files}")
    out: dict[str, bytes] = {}
    total = 0
    for name, content in files.items():
        path = clean_path(name)
        if path in out:
            raise Refused(f"two files normalise to the same path {path!r}")
        if isinstance(content, str):
            data = content.encode("utf-8", "surrogateescape")
        elif isinstance(content, (bytes, bytearray, memoryview)):
            data = bytes(content)
        else:
            raise Refused(f"file {path!r} holds a {type(content).__name__}, not text")
        total += len(data)
        out[path] = data
    if total > max_bytes:
        raise Refused(f"the project holds {total} bytes, more than the {max_bytes} bytes the scratch space allows")
    dirs: set[str] = set()
    for path in out:
        parent = PurePosixPath(path).parent
        while str(parent) != ".":
            dirs.add(str(parent))
            parent = parent.parent
    clash = sorted(dirs & set(out))
    if clash:
        raise Refused(f"{clash[0]!r} is both a file and a folder")
    entry_path = clean_path(entry)
    if entry_path not in out:
        known = ", ".join(sorted(out)[:10])
        raise Refused(f"the entry file {entry_path!r} is not among the project's files ({known})")
    ordered_dirs = tuple(sorted(dirs, key=lambda d: (d.count("/"), d)))
    return ProjectFiles(tuple(sorted(out.items())), ordered_dirs, total), entry_path
