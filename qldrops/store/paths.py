"""The one check for a path that comes from stored data (ARCHITECTURE invariant 10).

A file name in a drop (a ``# File:`` marker, ``metadata["filename"]``, a planned tree)
is untrusted: before it reaches a file system, an archive, a file tree or the sandbox
it must be a relative POSIX path that stays inside its folder. The zip export, the
dashboards' file tree and the runner all call :func:`safe_path`; the analysis
package reads names out of prose with :func:`path_in_text`, which tidies quotes and
a leading ``./`` and then applies the same check. Nothing is "cleaned up" into a
different file the author did not write: a bad name is refused, with the reason.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..errors import ValidationError

MAX_PATH = 1024
MAX_COMPONENT = 255
_DRIVE = re.compile(r"^[A-Za-z]:")
_HINT = "rename the file (in the drop's `File:` marker or its metadata) to a relative path like src/main.py"


class UnsafePath(ValidationError):
    """A path from stored data that would leave its folder (or is not a path at all)."""

    def __init__(self, message: str):
        super().__init__(message, hint=_HINT)


def safe_path(name: object) -> str:
    """``name`` as a normalised relative POSIX path (``./a//b.py`` -> ``a/b.py``), or :class:`UnsafePath`.

    Refused: non-strings, empty names, NUL bytes, backslashes, absolute paths, drive
    letters, any ``..`` part, names longer than 1024 characters or with a part over 255.
    """
    if not isinstance(name, str):
        raise UnsafePath(f"file name {name!r} is not a string")
    if not name or "\x00" in name:
        raise UnsafePath(f"file name {name!r} is empty or holds a NUL byte")
    if len(name) > MAX_PATH:
        raise UnsafePath(f"file name {name[:60]!r}… is longer than {MAX_PATH} characters")
    if "\\" in name:
        raise UnsafePath(f"file name {name!r} holds a backslash; use '/' between folders")
    if _DRIVE.match(name):
        raise UnsafePath(f"file name {name!r} starts with a drive letter; project files are relative paths")
    path = PurePosixPath(name)
    if path.is_absolute():
        raise UnsafePath(f"file name {name!r} is absolute; project files are relative paths")
    parts = [p for p in path.parts if p != "."]
    if not parts:
        raise UnsafePath(f"file name {name!r} names no file")
    for part in parts:
        if part == "..":
            raise UnsafePath(f"file name {name!r} climbs out of the project with '..'")
        if len(part) > MAX_COMPONENT:
            raise UnsafePath(f"file name {name!r} has a part longer than {MAX_COMPONENT} characters")
    return "/".join(parts)


def path_in_text(text: str) -> str | None:
    """A file name as written in prose or a marker (```` `src/app.py` ````, ``"./main.go"``), made
    safe; None when it is not a safe relative path."""
    candidate = text.strip().strip("`'\"")
    try:
        return safe_path(candidate)
    except UnsafePath:
        return None
