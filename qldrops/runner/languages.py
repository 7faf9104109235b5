"""The languages the sandbox can run, and how to start each one.

Interpreters come from Debian (``/usr/bin``) so that the sandbox only needs a
read-only ``/usr``. The venv's own Python lives under ``/root/.pyenv``; binding
that would expose a path under ``/root``, so it is used only when Debian's
``python3`` is missing, and then only its install prefix is bound, read-only.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..errors import SandboxError


@dataclass(frozen=True)
class Language:
    """One runnable language: names, file extensions and its command line."""

    name: str
    aliases: tuple[str, ...]
    extensions: tuple[str, ...]
    candidates: tuple[str, ...]  # interpreter paths to try, best first
    flags: tuple[str, ...] = ()
    apt_package: str = ""

    def resolve(self) -> tuple[str, tuple[str, ...]]:
        """The interpreter path and any extra host directories it needs (read-only).

        Raises SandboxError when no interpreter is installed.
        """
        for cand in self.candidates:
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                real = os.path.realpath(cand)
                if real.startswith("/usr/"):
                    return cand, ()
                return cand, (_install_prefix(real),)
        if self.name == "python":
            # Fallback: the running interpreter's base install, bound on its own (never all of /root).
            exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
            if os.path.isfile(exe):
                prefix = os.path.realpath(sys.base_prefix)
                return exe, (prefix,) if not prefix.startswith("/usr") else ()
        raise SandboxError(f"no interpreter for {self.name} is installed (looked for {', '.join(self.candidates)})",
                           hint=f"run `apt-get install -y {self.apt_package}`" if self.apt_package else None)

    def argv(self, interpreter: str, entry: str) -> list[str]:
        return [interpreter, *self.flags, entry]


def _install_prefix(real: str) -> str:
    """``/opt/node/bin/node`` → ``/opt/node``: the tree an interpreter needs beside it."""
    p = PurePosixPath(real).parent
    return str(p.parent if p.name == "bin" else p)


# -E -s: ignore PYTHON* variables and the user site; -B: no .pyc in scratch;
# -u: unbuffered, so a run killed by a limit still shows what it printed.
LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
        Language("python", ("py", "python3", "python"), (".py",), ("/usr/bin/python3",), ("-E", "-s", "-B", "-u"),
                 "python3"),
        Language("javascript", ("js", "node", "nodejs"), (".js", ".mjs", ".cjs"),
                 ("/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"), (), "nodejs"),
        Language("shell", ("sh", "posix-shell"), (".sh",), ("/bin/sh", "/usr/bin/sh"), (), "dash"),
        Language("bash", ("bash-script",), (".bash",), ("/bin/bash", "/usr/bin/bash"), (), "bash"),
    )
}

_SHEBANG_HINTS = (("python", "python"), ("node", "javascript"), ("bash", "bash"), ("/sh", "shell"))


def get_language(name: str) -> Language | None:
    """Look a language up by name or alias, case-insensitively."""
    key = name.strip().lower()
    if key in LANGUAGES:
        return LANGUAGES[key]
    for lang in LANGUAGES.values():
        if key in lang.aliases:
            return lang
    return None


def runtime_for(filename: str, text: str | bytes | None = None) -> Language | None:
    """The language of a file: its ``#!`` line first (a ``.sh`` file saying bash is bash), else its
    extension; None when unknown."""
    if text:
        head = text[:200].decode("utf-8", "replace") if isinstance(text, bytes) else text[:200]
        first = head.splitlines()[0] if head else ""
        if first.startswith("#!"):
            for needle, name in _SHEBANG_HINTS:
                if needle in first:
                    return LANGUAGES[name]
    suffix = PurePosixPath(filename).suffix.lower()
    for lang in LANGUAGES.values():
        if suffix in lang.extensions:
            return lang
    return None


def default_extension(language: str | None) -> str | None:
    """``"python"`` → ``".py"``; used to name a drop that carries no file name."""
    lang = get_language(language) if language else None
    return lang.extensions[0] if lang else None


def supported() -> list[str]:
    return sorted(LANGUAGES)
