"""The front door: ``qldrops.connect()`` and the :class:`Store` it returns.

Composition happens here, at the top, and nowhere else. Each layer gets what it
needs through its constructor, and the drop store at the bottom knows nothing of
the layers above it::

    Store (this module) ── is the drop store, plus:
      index     IndexManager(drop store)                      similar, dupes, clusters
      analysis  AnalysisService(drop store)                   analyze, feedback, project
      runner    Runner(drop store, analysis.project_files,    run, executions
                       previews.check_run)
      sharing   Sharing(drop store, runner)                   users, tokens, previews, events, analytics

The store reaches back up only through four typed hooks it is given here:
``access_check`` (the sharing layer decides who may do what), ``on_purge`` (a
package erases its own rows about a purged drop), ``list_columns`` (analysis
results shown as extra columns of ``store.list``) and ``on_new_version`` (line
comments follow their lines into each new version).

The public surface, in one place (every method below and those of
:class:`~qldrops.store.core.DropStore`):

======================  ==========================================================
drops                   put, put_many, get, get_many, update, update_many, save,
                        rollback, delete, delete_many, restore, purge,
                        fork_workflow, list, history, diff,
                        workflows, search, stats, types, register_type,
                        import_jsonl, export_jsonl, watch, close
similarity              similar, similar_vector, search(mode=hybrid|semantic|text),
                        near_duplicates, clusters, latest_clusters,
                        index (sync, start, stop, status, ...)
code intelligence       analyze, analyze_all, feedback, feedback_summary, suggest,
                        apply_suggestion, dismiss_suggestion, project
execution               run, executions
access and sharing      authenticate, workspaces, users, tokens, previews, events,
                        analytics, rate_limits
collaboration           comment, comments, resolve_comment, git_export, git_import
======================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .analysis.model import Analysis, AnalysisList
from .analysis.project import Project
from .analysis.service import AnalysisService
from .analysis.suggest import Suggestion, SuggestionList
from .errors import ValidationError
from .index.clusters import ClusterList
from .index.dupes import NearDuplicates
from .index.manager import IndexManager
from .index.results import SimilarList
from .previews.analytics import Analytics
from .previews.auth import Principal
from .previews.comments import Comment, CommentList
from .previews.events import Events
from .previews.identity import Tokens, Users, Workspaces
from .previews.links import Previews
from .previews.ratelimit import RateLimits
from .previews.sharing import Sharing
from .runner.history import ExecutionList
from .runner.models import Limits, RunResult
from .runner.sandbox import Sandbox
from .runner.service import Runner
from .settings import Settings
from .store.core import DropStore
from .store.db import make_engine, migrate
from .store.models import Drop, DropList

if TYPE_CHECKING:  # pandas loads on first use (a DataFrame), not at connect()
    import pandas as pd

__all__ = ["Store", "connect"]


class _Lagging(Exception):
    """An answer from an index that is behind: returned to the caller, never cached."""

    def __init__(self, answer: tuple) -> None:
        super().__init__("lagging")
        self.answer = answer


class Store(DropStore):
    """Everything qldrops does, reached from one object: ``qldrops.connect()``."""

    def __init__(self, engine: sa.Engine, settings: Settings, *, workspace: str | None = None, url: str = ""):
        super().__init__(engine, settings, workspace=workspace, url=url)
        self.index = IndexManager(self)
        self.analysis = AnalysisService(self)
        # The runner checks share links through the sharing layer, which is built on the runner:
        # the check is bound late, when a run names a link.
        self.runner = Runner(self, project_files=self.analysis.project_files,
                             link_check=lambda preview_id, workflow: self.previews.check_run(preview_id, workflow))
        self.sharing = Sharing(self, runner=self.runner)
        self.access_check = self.sharing.check_access
        self.on_purge.append(self.analysis.purge_drop)
        self.list_columns.append(self.analysis.listing_columns)
        self.on_new_version.append(self.sharing.comments.follow_lines)

    def close(self) -> None:
        """Stop the background indexer, if one runs, save the index mirror if it moved since its
        last save, and release the connections."""
        self.index.close(timeout=5.0)
        super().close()

    # ------------------------------------------------------------------ similarity
    def search(self, text: str, *, drop_type: str | None = None, workflow_id: str | None = None,
               metadata: dict | None = None, since: Any = None, until: Any = None, limit: int = 20,
               mode: str | None = None, min_similarity: float | None = None,
               collapse_forks: bool = True) -> Any:
        """Search by words (default), or with ``mode``: ``"hybrid"`` (full text and vectors fused by
        reciprocal rank), ``"semantic"`` or ``"text"``, forks folded into their original and nothing
        below ``min_similarity`` unless its words match (an empty answer: "no close match").

        Without ``mode``: the full-text hits with snippets (``DropStore.search``). With it: a
        :class:`~qldrops.index.hybrid.SearchResults` of at most ``limit`` answers.
        """
        if mode is None:
            return super().search(text, drop_type=drop_type, workflow_id=workflow_id, metadata=metadata,
                                  since=since, until=until, limit=limit)
        return self.index.search(text, limit, mode=mode, min_similarity=min_similarity,
                                 collapse_forks=collapse_forks, workflow_id=workflow_id, drop_type=drop_type,
                                 metadata=metadata, since=since, until=until)

    def similar(self, query: Any, k: int = 10, *, workflow_id: str | None = None, drop_type: str | None = None,
                metadata: dict | None = None, capsule_id: str | None = None, created_by: str | None = None,
                since: Any = None, until: Any = None, sync: bool = True) -> SimilarList:
        """Drops most like ``query`` (a drop id, or a text), best first, with cosine scores.

        Every answer is a live drop of this workspace whose current content the score
        was computed from (checked in the database). Filters are exact and never yield
        fewer than ``k`` answers when ``k`` drops match. ``.to_frame()`` for a DataFrame.

        It never runs the model for anything but the query: content written since the
        background indexer last ran is not embedded yet and is left out; ``.lag`` on the
        result says how many changes that is (0: current). A batch that must be current
        calls ``store.index.sync()`` first; a notebook or server runs ``store.index.start()``.
        """
        def find() -> tuple[list, str, int]:
            found = self.index.similar(query, k, workflow_id=workflow_id, drop_type=drop_type, metadata=metadata,
                                       capsule_id=capsule_id, created_by=created_by, since=since, until=until,
                                       sync=sync)
            return list(found), found.query, found.lag

        def find_current() -> tuple[list, str, int]:
            answer = find()
            if answer[2]:  # the indexer embedding what is pending changes the answer, not the position
                raise _Lagging(answer)
            return answer

        if not sync or since is not None or until is not None:
            # the mirror as it stands, or a period relative to now: not a function of the database's position
            items, text, lag = find()
        else:  # cached per workspace position: any drop write in the workspace can change the answer
            filters = (k, workflow_id, drop_type, repr(metadata), capsule_id, created_by)
            try:
                items, text, lag = self.remember("similar", (repr(query), self.index.embedder.model_id, filters),
                                                 find_current)
            except _Lagging as exc:  # answered, not cached
                items, text, lag = exc.answer
        return SimilarList(items, store=self, query=text, lag=lag)

    def similar_vector(self, vector: Any, k: int = 10, *, model_id: str | None = None, workflow_id: str | None = None,
                       drop_type: str | None = None, metadata: dict | None = None, capsule_id: str | None = None,
                       created_by: str | None = None, since: Any = None, until: Any = None) -> SimilarList:
        """Like :meth:`similar` for a vector you computed (``store.index.embedder.model_id`` and ``.dim``).

        The vector must have the index's dimension; pass ``model_id`` to have the model checked too.
        """
        return self.index.similar_vector(vector, k, model_id=model_id, workflow_id=workflow_id,
                                         drop_type=drop_type, metadata=metadata, capsule_id=capsule_id,
                                         created_by=created_by, since=since, until=until)

    def put_many(self, items: Iterable[Mapping[str, Any]], *, progress: bool | None = None,
                 vectors: Any = None, model_id: str | None = None,
                 _vectors: tuple[str, Any] | None = None, _written: set[str] | None = None) -> DropList:
        """Store many drops in one transaction: all of them, or (on any error) none.

        ``vectors`` (one row per item, made by ``model_id``, which must be the index's model)
        are stored with the drops in the same transaction, so the indexer never runs the
        model for them. Content already embedded with that model keeps its vector.
        """
        if vectors is None:
            if model_id is not None:
                raise ValidationError("model_id was given without vectors",
                                      hint="pass vectors=... (one row per item) with it, or neither")
            return super().put_many(items, progress=progress, _vectors=_vectors, _written=_written)
        items = list(items)
        matrix = self.index.check_vectors(vectors, len(items), model_id)
        written: set[str] = set()
        drops = super().put_many(items, progress=progress, _vectors=(self.index.embedder.model_id, matrix),
                                 _written=written)
        self.index.take(drops, matrix, written)  # committed: this process's open mirror gets them in one add
        return drops

    def near_duplicates(self, threshold: float = 0.95, *, lexical_threshold: float = 0.8,
                        methods: tuple[str, ...] = ("exact", "lexical", "semantic"),
                        workflow_id: str | None = None, drop_type: str | None = None) -> NearDuplicates:
        """Pairs and groups of near-identical drops, each labelled exact, lexical or semantic, with a score.

        Cached per workspace position (:meth:`remember`).
        """
        return self.remember(
            "dupes", (threshold, lexical_threshold, tuple(methods), workflow_id, drop_type, self.index.embedder.model_id),
            lambda: self.index.near_duplicates(threshold, lexical_threshold=lexical_threshold, methods=methods,
                                               workflow_id=workflow_id, drop_type=drop_type))

    def clusters(self, n: int = 12, *, workflow_id: str | None = None, drop_type: str | None = None,
                 seed: int = 1234, save: bool = True) -> ClusterList:
        """Topics by k-means over the vectors: members, representative drops and a label of top terms.

        Saved in the table ``clusters`` (one ``run_id`` per call) so dashboards can show them;
        unsaved ones (``save=False``, what a dashboard asks) are cached per workspace position.
        """
        if save:
            return self.index.clusters(n, workflow_id=workflow_id, drop_type=drop_type, seed=seed, save=True)
        return self.remember(
            "clusters", (n, workflow_id, drop_type, seed, self.index.embedder.model_id),
            lambda: self.index.clusters(n, workflow_id=workflow_id, drop_type=drop_type, seed=seed, save=False))

    def latest_clusters(self) -> ClusterList:
        """The most recently saved clustering of this workspace (for dashboards), or an empty list."""
        return self.index.latest_clusters()

    # ------------------------------------------------------------------ code intelligence
    def analyze(self, drop_id: int, *, force: bool = False) -> Analysis:
        """Analyse one drop (cached per content): language, quality, issues, summary, feedback-adjusted quality."""
        return self.analysis.analyze(drop_id, force=force)

    def analyze_all(self, workflow_id: str | None = None, drop_type: str | None = None, *, force: bool = False,
                    processes: int = 2, progress: bool | None = None, engine: str = "local", client: Any = None,
                    scheduler: str = "", workers: int = 2, batch: int = 50) -> AnalysisList:
        """Analyse every current drop (of a workflow/type); cached results are reused.

        New analyses run in ``processes`` worker processes (both cores by default); one
        file that hangs or crashes gets a partial result and the batch goes on.
        ``engine="dask"`` or ``"ray"`` spreads them over a cluster: ``client`` (a
        ``distributed.Client`` or a :class:`qldrops.engines.Pool`), or the address ``scheduler`` /
        ``QLDROPS_DASK_SCHEDULER`` / ``QLDROPS_RAY_ADDRESS``, or else a local cluster of ``workers``
        processes; ``batch`` files per task.
        """
        return self.analysis.analyze_all(workflow_id, drop_type, force=force, processes=processes,
                                         progress=progress, engine=engine, client=client, scheduler=scheduler,
                                         workers=workers, batch=batch)

    def feedback(self, drop_id: int, rating: int, comment: str | None = None, *, actor: str | None = None) -> dict:
        """Record a rating (-1 bad, 0 neutral, +1 good) and an optional comment for a drop's current version."""
        return self.analysis.feedback(drop_id, rating, comment, actor=actor)

    def feedback_summary(self, workflow_id: str | None = None) -> pd.DataFrame:
        """DataFrame: per rated drop, the ratings, the static quality and the feedback-adjusted one."""
        return self.analysis.feedback_summary(workflow_id)

    def suggest(self, drop_id: int) -> SuggestionList:
        """Concrete fixes for the drop's current version (ruff, gofmt, shellcheck, secrets moved to the
        environment), each a unified diff with its source. ``.to_frame()`` for a table."""
        return self.analysis.suggest(drop_id)

    def apply_suggestion(self, drop_id: int, suggestion_id: str, *, expected_version: int | None = None,
                         actor: str | None = None) -> Drop:
        """Apply a suggestion as a new version (its message names the fix); recorded as an accepted
        ``suggestion`` event for the analytics. A suggestion of an older version is ``NotFound``."""
        drop, s = self.analysis.apply_suggestion(drop_id, suggestion_id, expected_version=expected_version,
                                                 created_by=actor)
        self._suggestion_event(drop, s, "accepted", actor)
        return drop

    def dismiss_suggestion(self, drop_id: int, suggestion_id: str, *, actor: str | None = None) -> None:
        """Record that a suggestion was looked at and not taken (for the analytics' adoption rate)."""
        s = self.analysis.suggestion(drop_id, suggestion_id)
        self._suggestion_event(self.get(drop_id), s, "dismissed", actor)

    def _suggestion_event(self, drop: Drop, s: Suggestion, action: str, actor: str | None) -> None:
        self.events.record(None, "suggestion", workflow_id=drop.workflow_id, drop_id=drop.id, actor=actor,
                           metadata={"action": action, "source": s.source, "rule": s.rule, "suggestion": s.id,
                                     "version": s.version})

    def project(self, workflow_id: str) -> Project:
        """The multi-file project built from a workflow's project_structure and code drops.

        Cached per workflow position (:meth:`remember`): a write to another workflow keeps it.
        """
        return self.remember("project", (), lambda: self.analysis.project(workflow_id), workflow_id=workflow_id)

    # ------------------------------------------------------------------ execution
    def run(self, drop_id: int, file: str | None = None, *, actor: Any = None, preview_id: int | None = None,
            language: str | None = None, limits: Limits | None = None, stdin: str | bytes | None = None,
            project: bool = True, sandbox: Sandbox | None = None,
            on_output: Callable[[str, bytes], None] | None = None) -> RunResult:
        """Run drop ``drop_id`` (or ``file`` of its workflow's project) in the sandbox and record the run.

        ``on_output(stream, chunk)`` sees the output while the program runs.
        See :meth:`qldrops.runner.service.Runner.run`.
        """
        return self.runner.run(drop_id, file, actor=actor, preview_id=preview_id, language=language,
                               limits=limits, stdin=stdin, project=project, sandbox=sandbox, on_output=on_output)

    def executions(self, preview_id: int | None = None, drop_id: int | None = None, workflow_id: str | None = None,
                   limit: int = 100, *, status: str | None = None) -> ExecutionList:
        """Past runs, newest first, in this store's workspace (``.to_frame()`` for a table)."""
        return self.runner.executions(preview_id, drop_id, workflow_id, limit, status=status)

    # ------------------------------------------------------------------ collaboration
    def comment(self, drop_id: int, body: str, *, line_start: int | None = None, line_end: int | None = None,
                version: int | None = None, reply_to: int | None = None, file: str | None = None,
                author: str | None = None) -> Comment:
        """A line comment on lines ``line_start``..``line_end`` of ``version`` (default: the current one).

        Plain text (HTML is kept as typed, never rendered). ``reply_to`` answers a comment (same
        anchor). Comments follow their lines into new versions, or are marked ``outdated``.
        """
        return self.sharing.comments.add(drop_id, body, line_start=line_start, line_end=line_end, version=version,
                                         reply_to=reply_to, file=file, author=author)

    def comments(self, workflow_id: str | None = None, drop_id: int | None = None, *, include_resolved: bool = True,
                 include_outdated: bool = True, limit: int = 200, after_id: int | None = None) -> CommentList:
        """Line comments, oldest first (``.to_frame()`` for a DataFrame); page with ``after_id``."""
        return self.sharing.comments.list(workflow_id, drop_id, include_resolved=include_resolved,
                                          include_outdated=include_outdated, limit=limit, after_id=after_id)

    def resolve_comment(self, comment_id: int, *, resolved: bool = True, by: str | None = None) -> Comment:
        """Resolve a comment (``resolved=False`` reopens it)."""
        return self.sharing.comments.resolve(comment_id, resolved=resolved, by=by)

    def git_export(self, workflow_id: str, path: Any) -> dict:
        """Write a workflow's history to a new git repository: one commit per drop version, forks as branches."""
        from .store.gitio import export

        return export(self, workflow_id, path)

    def git_import(self, path: Any, *, workflow_id: str) -> dict:
        """Bring a git repository's history into the new workflow ``workflow_id`` (branches become forks)."""
        from .store.gitio import import_repo

        return import_repo(self, path, workflow_id)

    # ------------------------------------------------------------------ access and sharing
    def authenticate(self, token: str) -> Principal:
        """Act as the holder of API ``token`` from now on, in the token's workspace."""
        return self.sharing.authenticate(token)

    @property
    def workspaces(self) -> Workspaces:
        return self.sharing.workspaces

    @property
    def users(self) -> Users:
        return self.sharing.users

    @property
    def tokens(self) -> Tokens:
        return self.sharing.tokens

    @property
    def previews(self) -> Previews:
        return self.sharing.previews

    @property
    def events(self) -> Events:
        return self.sharing.events

    @property
    def analytics(self) -> Analytics:
        return self.sharing.analytics

    @property
    def rate_limits(self) -> RateLimits:
        return self.sharing.rate_limits


def connect(url: str | None = None, *, workspace: str | None = None, token: str | None = None,
            settings: Settings | None = None, migrate_schema: bool = True, **overrides: Any) -> Store:
    """Open a store. Without a URL: ``QLDROPS_DATABASE_URL``, else a SQLite file under the data directory.

    The schema is migrated on first use; a database whose schema is newer than this
    code is refused with advice. ``token`` authenticates an API token (see ``store.tokens``).
    """
    settings = settings or Settings.from_env(**overrides)
    if url:
        settings = settings.replace(database_url=str(url))
    if workspace:
        settings = settings.replace(workspace=workspace)
    real_url = settings.resolved_database_url
    engine = make_engine(real_url)
    if migrate_schema:
        try:
            migrate(engine, real_url)
        except BaseException:
            engine.dispose()
            raise
    store = Store(engine, settings, url=real_url)
    if token is not None:
        store.authenticate(token)
    return store
