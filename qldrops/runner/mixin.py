"""Store methods for this package. `qldrops.store.core.Store` inherits from RunnerMixin.

Import heavy dependencies inside the methods, never at module level.

``store.run(drop_id)`` runs a stored drop in the sandbox: with the rest of its
workflow's project when the analysis package can assemble one (so
``import util`` works), else the drop alone under its own file name. Every run
is recorded in ``executions`` (see :mod:`qldrops.runner.history`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .history import ExecutionList
    from .models import Limits, RunResult

log = logging.getLogger(__name__)


def _actor_name(actor: Any, store: Any) -> str | None:
    """``actor`` may be a name, a user object (``.name``) or None (then: whoever the store acts for)."""
    if actor is None:
        principal = getattr(store, "principal", None)
        return getattr(principal, "actor", None) if principal is not None else None
    if isinstance(actor, str):
        return actor
    name = getattr(actor, "name", None) or getattr(actor, "actor", None)
    return str(name) if name else str(actor)


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


class RunnerMixin:
    def run(self, drop_id: int, file: str | None = None, *, actor: Any = None, preview_id: int | None = None,
            language: str | None = None, limits: Limits | None = None, stdin: str | bytes | None = None,
            project: bool = True, sandbox: Any = None) -> RunResult:
        """Run drop ``drop_id`` (or ``file`` of its workflow's project) in the sandbox and record the run.

        ``file`` is the entry point, a path inside the project; by default the
        drop's own file. ``project=False`` runs the drop alone. ``preview_id``
        ties the run to a share link (which must be live and share this drop's
        workflow). ``sandbox`` swaps the isolation backend (a
        :class:`~qldrops.runner.sandbox.Sandbox`; default bubblewrap). Returns a RunResult whatever the code does; raises
        SandboxError (after recording the failure) if the sandbox cannot start.
        """
        from ..errors import SandboxError
        from . import history
        from .api import run_files
        from .languages import detect_language, get_language

        store: Any = self
        store._authorize("execute")
        drop = store.get(drop_id)
        if preview_id is not None:
            history.check_preview(store, preview_id, drop.workflow_id)
        files, entry = self._run_inputs(drop, file, language, project)
        lang = get_language(language) if language else detect_language(entry, files.get(entry))
        execution_id = history.start(store, language=lang.name if lang else (language or "unknown"), file=entry,
                                     drop_id=drop.id, workflow_id=drop.workflow_id, preview_id=preview_id,
                                     actor=_actor_name(actor, store))
        try:
            result = run_files(files, entry, language=language, limits=limits, stdin=stdin, sandbox=sandbox)
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
        from . import history

        store: Any = self
        store._authorize("read")
        return history.listing(store, preview_id=preview_id, drop_id=drop_id, workflow_id=workflow_id,
                               status=status, limit=limit)

    def _run_inputs(self, drop: Any, file: str | None, language: str | None,
                    use_project: bool) -> tuple[dict[str, str], str]:
        """The files to run and the entry path: the workflow's project if one can be built, else the drop."""
        from ..errors import QldropsError
        from .languages import detect_language, extension_for

        files: dict[str, str] = {}
        project_fn = getattr(self, "project", None)
        if use_project and callable(project_fn):
            try:
                files = {p: getattr(f, "text", f) for p, f in project_fn(drop.workflow_id).files.items()}
            except QldropsError as e:  # no project for this workflow: run the drop alone
                log.info("no project for workflow %r (%s); running drop %s alone", drop.workflow_id, e, drop.id)
            except (AttributeError, TypeError) as e:  # an analysis package with another shape
                log.warning("store.project(%r) gave no .files (%s); running drop %s alone",
                            drop.workflow_id, e, drop.id)
        if use_project and not files:
            files = self._named_workflow_files(drop.workflow_id)
        own = _own_filename(drop.metadata or {})
        if own is None:
            if file and file not in files:
                own = file
            else:
                ext = (extension_for(language) or extension_for((drop.metadata or {}).get("language"))
                       or next(iter(_ext(detect_language("", drop.artifact))), ""))
                own = f"main{ext}"
        files[own] = drop.artifact  # the version asked for wins over the project's copy
        return files, file or own


    def _named_workflow_files(self, workflow_id: str) -> dict[str, str]:
        """Without the analysis package's project builder: the workflow's drops that carry a file name.

        When two drops claim one path, the one updated last wins (as a checkout would show it).
        """
        store: Any = self
        files: dict[str, tuple[Any, str]] = {}
        for d in store.list(workflow_id=workflow_id):
            name = _own_filename(d.metadata or {})
            if name and (name not in files or files[name][0] <= d.updated_at):
                files[name] = (d.updated_at, d.artifact)
        return {name: text for name, (_, text) in files.items()}


def _ext(lang: Any) -> tuple[str, ...]:
    return lang.extensions[:1] if lang is not None else ()
