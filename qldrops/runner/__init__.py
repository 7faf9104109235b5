"""Sandboxed execution of drops' code: bubblewrap namespaces, rlimits, an unprivileged uid.

    from qldrops.runner import run_files, Limits
    r = run_files({"main.py": "print('hi')"}, entry="main.py", limits=Limits(wall_s=5))
    r.status, r.exit_code, r.stdout

``store.run(drop_id)`` (:class:`qldrops.runner.service.Runner`) does the same for a
stored drop or its workflow's project and records each run in ``executions``.
"""

from __future__ import annotations

from ..errors import SandboxError
from .api import run_files
from .languages import supported as supported_languages
from .models import Limits, RunResult

__all__ = ["Limits", "RunResult", "SandboxError", "run_files", "supported_languages"]
