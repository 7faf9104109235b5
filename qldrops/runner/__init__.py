"""Sandboxed execution of drops' code: bubblewrap namespaces, rlimits, an unprivileged uid.

    from qldrops.runner import run_files, Limits
    r = run_files({"main.py": "print('hi')"}, entry="main.py", limits=Limits(wall_s=5))
    r.status, r.exit_code, r.stdout

``store.run(drop_id)`` (see :mod:`qldrops.runner.mixin`) does the same for a
stored drop or its workflow's project and records each run in ``executions``.
"""

from __future__ import annotations

__all__ = ["Limits", "RunResult", "SandboxError", "run_files", "supported_languages"]


def __getattr__(name: str):
    # Lazy, so that `import qldrops` (which imports the mixin) pays nothing for subprocess & co.
    if name == "run_files":
        from .api import run_files

        return run_files
    if name in {"RunResult", "Limits"}:
        from . import models

        return getattr(models, name)
    if name == "supported_languages":
        from .languages import supported

        return supported
    if name == "SandboxError":
        from ..errors import SandboxError

        return SandboxError
    raise AttributeError(f"module 'qldrops.runner' has no attribute {name!r}")
