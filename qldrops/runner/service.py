"""The runner component: ``store.run`` and ``store.executions``.

``Runner.run(drop_id)`` runs a stored drop in the sandbox: with the rest of its
workflow's files when a project builder was given (so ``import util`` works),
else the drop alone under its own file name. Every run is recorded in
``executions`` (see :mod:`qldrops.runner.history`), also when it fails to start.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from ..errors import ConfigurationError, QldropsError, SandboxError
from ..store.core import DropStore
from ..store.models import Drop
from . import history
from .api import run_files
from .history import ExecutionList
from .languages import default_extension, get_language, runtime_for
from .models import Limits, RunResult
from .sandbox import Sandbox

log = logging.getLogger(__name__)

ProjectFiles = Callable[[str], dict[str, str]]
"""A workflow id -> its project's files as {path: text} (the analysis package builds them)."""
LinkCheck = Callable[[int, str], None]
"""(preview id, workflow id) -> None, or raises: may a run be tied to this share link? (the sharing layer)"""


class Runner:
    def __init__(self, drops: DropStore, project_files: ProjectFiles | None = None,
                 link_check: LinkCheck | None = None):
        self.drops = drops
        self.project_files = project_files
        self.link_check = link_check

    def run(self, drop_id: int, file: str | None = None, *, actor: Any = None, preview_id: int | None = None,
            language: str | None = None, limits: Limits | None = None, stdin: str | bytes | None = None,
            project: bool = True, sandbox: Sandbox | None = None,
            on_output: Callable[[str, bytes], None] | None = None) -> RunResult:
        """Run drop ``drop_id`` (or ``file`` of its workflow's project) in the sandbox and record the run.

        ``file`` is the entry point, a path inside the project; by default the
        drop's own file. ``project=False`` runs the drop alone. ``preview_id``
        ties the run to a share link (which must be live and share this drop's
        workflow). ``sandbox`` swaps the isolation backend (a
        :class:`~qldrops.runner.sandbox.Sandbox`; default bubblewrap). ``on_output(stream, chunk)`` sees the
        output while the program runs. Returns a RunResult whatever the
        code does; raises SandboxError (after recording the failure) if the sandbox cannot start.
        """
        store = self.drops
        store._authorize("execute")
        drop = store.get(drop_id)
        if preview_id is not None:
            if self.link_check is None:
                raise ConfigurationError("this runner cannot tie runs to share links",
                                         hint="use qldrops.connect(): it gives the runner the link check")
            self.link_check(preview_id, drop.workflow_id)
        files, entry = self._run_inputs(drop, file, language, project)
        lang = get_language(language) if language else runtime_for(entry, files.get(entry))
        history.mark_lost(store)  # rows left "running" by a supervisor that died
        execution_id = history.start(store, language=lang.name if lang else (language or "unknown"), file=entry,
                                     drop_id=drop.id, workflow_id=drop.workflow_id, preview_id=preview_id,
                                     actor=self._actor_name(actor), limits=limits)
        try:
            result = run_files(files, entry, language=language, limits=limits, stdin=stdin, sandbox=sandbox,
                               on_output=on_output)
        except SandboxError as e:
            history.fail(store, execution_id, "error", f"the sandbox could not start: {e}")
            raise
        except BaseException as e:  # KeyboardInterrupt, a bug: the row must not stay "running"
            history.fail(store, execution_id, "error", f"the run was interrupted: {type(e).__name__}: {e}")
            raise
        result = result.with_execution_id(execution_id)
        history.finish(store, execution_id, result)
        log.info("execution %s of drop %s: %s", execution_id, drop.id, result.status)
        return result

    def executions(self, preview_id: int | None = None, drop_id: int | None = None, workflow_id: str | None = None,
                   limit: int = 100, *, status: str | None = None) -> ExecutionList:
        """Past runs, newest first, in this store's workspace (``.to_frame()`` for a table)."""
        self.drops._authorize("read")
        history.mark_lost(self.drops)
        return history.listing(self.drops, preview_id=preview_id, drop_id=drop_id, workflow_id=workflow_id,
                               status=status, limit=limit)

    def _actor_name(self, actor: Any) -> str | None:
        """``actor`` may be a name, a user object (``.name``) or None (then: whoever the store acts for)."""
        if actor is None:
            principal = self.drops.principal
            return principal.actor if principal is not None else None
        if isinstance(actor, str):
            return actor
        name = getattr(actor, "name", None) or getattr(actor, "actor", None)  # a User or a Principal
        return str(name) if name else str(actor)

    def _run_inputs(self, drop: Drop, file: str | None, language: str | None,
                    use_project: bool) -> tuple[dict[str, str], str]:
        """The files to run and the entry path: the workflow's project, else the drop alone."""
        files: dict[str, str] = {}
        if use_project and self.project_files is not None:
            try:
                files = dict(self.project_files(drop.workflow_id))
            except QldropsError as e:  # no project for this workflow: run the drop alone
                log.info("no project for workflow %r (%s); running drop %s alone", drop.workflow_id, e, drop.id)
        if use_project and not files:
            files = self._named_workflow_files(drop.workflow_id)
        own = _own_filename(drop.metadata or {})
        if own is None:
            if file and file not in files:
                own = file
            else:
                detected = runtime_for("", drop.artifact)
                ext = (default_extension(language) or default_extension((drop.metadata or {}).get("language"))
                       or (detected.extensions[0] if detected is not None and detected.extensions else ""))
                own = f"main{ext}"
        # the version asked for wins over the project's copy; without its own `File:` line, which the
        # viewer hides too, so a traceback's line numbers are the ones the page shows
        if not (own in files and _several_files(drop.artifact)):  # the project split those: keep its copy
            files[own] = without_marker(drop.artifact, own)
        return files, file or own

    def _named_workflow_files(self, workflow_id: str) -> dict[str, str]:
        """A workflow without project files (no code drops were split into files): its drops that
        carry a file name. When two drops claim one path, the one updated last wins."""
        files: dict[str, tuple[Any, str]] = {}
        for d in self.drops.list(workflow_id=workflow_id):
            name = _own_filename(d.metadata or {})
            if name and (name not in files or files[name][0] <= d.updated_at):
                files[name] = (d.updated_at, d.artifact)
        return {name: text for name, (_, text) in files.items()}


_MARKER = re.compile(r"[ \t]*(?:#|//|--|;|/\*)[ \t]*(?:file(?:name)?|path)[ \t]*:[ \t]*`?(?P<path>[^\s`*]+)`?"
                     r"[ \t]*(?:\*/)?[ \t]*", re.IGNORECASE)


def without_marker(text: str, name: str) -> str:
    """``text`` without the ``# File: <name>`` line generators put in its first two lines (after a ``#!``).

    The project view shows a file without its marker line; the sandbox runs the same lines.
    """
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines[:2]):
        m = _MARKER.fullmatch(line.rstrip("\r\n"))
        if m and m.group("path").lstrip("./") == name.lstrip("./"):
            return "".join(lines[:i] + lines[i + 1:])
        if not line.startswith("#!"):
            break
    return text


def _several_files(text: str) -> bool:
    """Whether ``text`` marks more than one file with ``File:`` lines."""
    return sum(1 for line in text.splitlines() if _MARKER.fullmatch(line)) > 1


def _own_filename(metadata: dict[str, Any]) -> str | None:
    """The drop's file name from its metadata (``filename``, else ``path``), made relative."""
    for key in ("filename", "path", "file"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            name = value.strip()
            while name.startswith("./"):
                name = name[2:]
            return name.lstrip("/") or None
    return None
