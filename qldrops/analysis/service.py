"""The analysis component: ``store.analyze``, ``analyze_all``, ``feedback``, ``project``.

Results live in the ``analyses`` table keyed by (content hash, analyser version), so a
drop is re-analysed only when its content (or a tool version) changes, and drops with
the same content share one analysis. The analysis package owns the ``analyses`` and
``feedback`` tables (and purges its rows).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from .. import engines
from ..errors import AnalysisError, NotFound, QldropsError, ValidationError
from ..store import schema as t
from ..store.core import DropStore
from ..store.models import Drop
from .core import DOCUMENT_TYPES, analyser_version, analyze, batch_precompute
from .distributed import analyze_distributed, write_analyses
from .model import Analysis, AnalysisList
from .pool import analyze_many
from .project import build_project
from .splitter import split_files
from .suggest import Suggestion, SuggestionList, suggestions_for

log = logging.getLogger(__name__)

FEEDBACK_PRIOR = 3  # the static score counts as this many ratings in the adjusted quality
RATINGS = (-1, 0, 1)


CODE_TYPES = frozenset({"code_generation", "code"})


def _hints(drop: Drop) -> tuple[str | None, str | None, str]:
    """(file name, declared language, kind) for analysing a drop; kind is "document" for the
    built-in prose and record types (prompts, requirements, trees, test plans, docs, completions)."""
    md = drop.metadata or {}
    filename = md.get("path") or md.get("filename") or md.get("file_name") or md.get("file")
    if not filename and isinstance(md.get("files"), list) and len(md["files"]) == 1:
        filename = md["files"][0]
    language = md.get("language") or md.get("lang")
    kind = "document" if drop.drop_type in DOCUMENT_TYPES else "code"
    if not filename and not language and drop.drop_type in CODE_TYPES:
        first = split_files(drop.artifact[:200_000])[0]  # a multi-file drop: its first file names the language
        filename = first.path
        language = first.fence_tag
    if kind == "document" and not filename:
        language = None  # a document's metadata language is the project's, not the document's
    return (filename if isinstance(filename, str) else None), (language if isinstance(language, str) else None), kind


def adjusted_quality(static: float | None, ratings: list[int]) -> float | None:
    """Static score pulled toward the users' ratings: a -1/0/+1 rating counts as 0/50/100,
    the static score as FEEDBACK_PRIOR ratings (so one vote moves it, many votes decide)."""
    if not ratings:
        return static
    base = 50.0 if static is None else static
    return round((FEEDBACK_PRIOR * base + sum(50 + 50 * r for r in ratings)) / (FEEDBACK_PRIOR + len(ratings)), 1)


class AnalysisService:
    """Analyses cached per content and analyser version, user feedback, and workflow projects."""

    def __init__(self, drops: DropStore):
        self.drops = drops

    def purge_drop(self, conn: sa.Connection, drop_id: int) -> None:
        """``DropStore.on_purge``: erase this package's rows about a drop, in the purge's transaction."""
        conn.execute(t.feedback.delete().where(t.feedback.c.drop_id == drop_id))

    def listing_columns(self, conn: sa.Connection, drops: Sequence[Drop]) -> dict[int, dict[str, Any]]:
        """``DropStore.list_columns``: language, quality and security findings of analysed drops."""
        hashes = list({d.content_hash for d in drops})
        found: dict[str, dict[str, Any]] = {}
        a = t.analyses.c
        for i in range(0, len(hashes), 500):
            q = (sa.select(a.content_hash, a.language, a.quality_score, a.security_count, a.created_at)
                 .where(a.content_hash.in_(hashes[i:i + 500])).order_by(a.created_at))
            for r in conn.execute(q):
                found[r.content_hash] = {"language": r.language, "quality_score": r.quality_score,
                                         "security_issues": r.security_count}
        return {d.id: found[d.content_hash] for d in drops if d.content_hash in found}

    # -- analysis -------------------------------------------------------------------------
    def analyze(self, drop_id: int, *, force: bool = False):
        """Analyse one drop (cached per content): language, quality, issues, summary, feedback-adjusted quality."""
        drop = self.drops.get(drop_id)
        filename, language, kind = _hints(drop)
        cached = None if force else self._cached_analyses([drop.content_hash]).get(drop.content_hash)
        if cached is not None and (cached.filename, cached.language_source == "declared", cached.kind) == (
                filename, bool(language), kind):
            a = cached
        else:
            a = analyze(drop.artifact, filename, language=language, kind=kind)
            self._save_analyses([a])
        a.drop_id = drop.id
        self._attach_feedback([a])
        return a

    def analyze_all(self, workflow_id: str | None = None, drop_type: str | None = None, *, force: bool = False,
                    processes: int = 2, progress: bool | None = None, engine: str = "local", client: Any = None,
                    scheduler: str = "", workers: int = 2, batch: int = 50):
        """Analyse every current drop (of a workflow/type); cached results are reused.

        New analyses run in ``processes`` worker processes (both cores by default); one
        file that hangs or crashes gets a partial result and the batch goes on. ``engine="dask"``
        or ``"ray"`` runs them on a cluster instead (``client``, or the address ``scheduler`` /
        ``QLDROPS_DASK_SCHEDULER`` / ``QLDROPS_RAY_ADDRESS``, or a local cluster of ``workers``
        processes), ``batch`` files per task, results written back by the workers
        (:mod:`qldrops.analysis.distributed`).
        """
        if engines.check_engine(engine) != "local" or client is not None:
            return self._analyze_all_distributed(workflow_id, drop_type, force=force, progress=progress,
                                                 client=client, engine=engine, scheduler=scheduler,
                                                 workers=workers, batch=batch)
        drops = self.drops.list(workflow_id=workflow_id, drop_type=drop_type)
        cached = {} if force else self._cached_analyses([d.content_hash for d in drops])
        todo: dict[str, tuple] = {}
        for d in drops:
            if d.content_hash not in cached and d.content_hash not in todo:
                filename, language, kind = _hints(d)
                todo[d.content_hash] = (d.content_hash, d.artifact, filename, language, kind)
        show = self.drops.settings.progress if progress is None else progress
        fresh: dict[object, Analysis] = {}  # keyed by content hash (analyze_many yields its keys back)
        if todo:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc="analysing", unit="file", disable=not show)
            if processes > 1 and len(todo) >= 8:  # starting workers costs ~1 s: not worth it for a few

                source = analyze_many(todo.values(), processes=processes)
            else:
                pre = batch_precompute(list(todo.values()))  # one semgrep process for the batch
                source = ((k, analyze(text, fn, language=lang, kind=kd, precomputed=pre.get(k)))
                          for k, text, fn, lang, kd in todo.values())
            unsaved: list[Analysis] = []
            for key, a in source:
                fresh[key] = a
                unsaved.append(a)
                bar.update(1)
                if len(unsaved) >= 50:
                    self._save_analyses(unsaved)
                    unsaved = []
            self._save_analyses(unsaved)
            bar.close()
        out = AnalysisList()
        for d in drops:
            src = fresh.get(d.content_hash) or cached[d.content_hash]
            a = type(src).from_dict(src.to_dict())
            a.drop_id = d.id
            out.append(a)
        self._attach_feedback(out)
        return out

    def _analyze_all_distributed(self, workflow_id, drop_type, *, force: bool, progress: bool | None, client: Any,
                                 engine: str, scheduler: str, workers: int, batch: int) -> AnalysisList:
        drops = self.drops.list(workflow_id=workflow_id, drop_type=drop_type)
        cached = {} if force else self._cached_analyses([d.content_hash for d in drops])
        todo: dict[str, tuple[str, str | None, str | None, str]] = {}
        for d in drops:
            if d.content_hash not in cached and d.content_hash not in todo:
                todo[d.content_hash] = (d.content_hash, *_hints(d))
        show = self.drops.settings.progress if progress is None else progress
        if todo:
            items = list(todo.values())
            if client is not None:
                report = analyze_distributed(self.drops, client, items, force=force, batch=batch, progress=show)
            else:
                with engines.open_pool(engine, scheduler, workers=workers, settings=self.drops.settings) as own:
                    report = analyze_distributed(self.drops, own, items, force=force, batch=batch, progress=show)
            log.info("analysed %d files on %d workers in %.1f s", report.analysed, report.workers, report.seconds)
            cached.update(self._cached_analyses(list(todo)))
        missing = [h for h in todo if h not in cached]
        if missing:
            raise AnalysisError(f"{len(missing)} analyses were not stored by the workers (e.g. {missing[0][:12]})",
                                hint=f"run `qldrops analyze-all --engine {engine}` again: what was stored is kept")
        out = AnalysisList()
        for d in drops:
            a = type(cached[d.content_hash]).from_dict(cached[d.content_hash].to_dict())
            a.drop_id = d.id
            out.append(a)
        self._attach_feedback(out)
        return out

    def analyses_of(self, hashes: list[str]) -> dict[str, Analysis]:
        """Stored analyses (this analyser version) by content hash; contents never analysed are left out."""
        return self._cached_analyses(hashes)

    def _cached_analyses(self, hashes: list[str]) -> dict:
        found: dict[str, Analysis] = {}
        uniq = list(dict.fromkeys(hashes))
        with self.drops.reading() as conn:
            for i in range(0, len(uniq), 500):
                q = sa.select(t.analyses.c.content_hash, t.analyses.c.result).where(
                    t.analyses.c.content_hash.in_(uniq[i:i + 500]),
                    t.analyses.c.analyser_version == analyser_version())
                for r in conn.execute(q):
                    found[r.content_hash] = Analysis.from_dict(r.result)
        return found

    def _save_analyses(self, analyses: list) -> None:
        """Upsert by (content_hash, analyser_version) in one transaction (COPY on PostgreSQL)."""
        try:
            write_analyses(self.drops, analyses)
        except QldropsError as exc:  # e.g. the database went away: the results are recomputed on demand
            log.info("analysis results not saved (%s); they will be recomputed on demand", exc)

    # -- feedback -------------------------------------------------------------------------
    def feedback(self, drop_id: int, rating: int, comment: str | None = None, *, actor: str | None = None) -> dict:
        """Record a rating (-1 bad, 0 neutral, +1 good) and an optional comment for a drop's current version."""
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
            raise ValidationError(f"rating must be -1, 0 or 1, not {rating!r}", hint="use -1 (bad), 0 or 1 (good)")
        if comment is not None and not isinstance(comment, str):
            raise ValidationError("comment must be a string", hint="pass comment='...' or leave it out")
        drop = self.drops.get(drop_id)
        row = {"drop_id": drop.id, "version": drop.version, "actor": (actor or "anonymous")[:200],
               "rating": rating, "comment": comment, "created_at": dt.datetime.now(dt.UTC)}
        with self.drops.transaction() as conn:
            fid = conn.execute(sa.insert(t.feedback).returning(t.feedback.c.id), row).scalar_one()
        return {"id": fid, **row}

    def _ratings(self, drop_ids: list[int]) -> dict[int, list[tuple[int, str | None, str]]]:
        out: dict[int, list] = {}
        if not drop_ids:
            return out
        with self.drops.reading() as conn:
            for i in range(0, len(drop_ids), 500):
                q = (sa.select(t.feedback.c.drop_id, t.feedback.c.rating, t.feedback.c.comment, t.feedback.c.actor)
                     .where(t.feedback.c.drop_id.in_(drop_ids[i:i + 500])).order_by(t.feedback.c.id))
                for r in conn.execute(q):
                    out.setdefault(r.drop_id, []).append((r.rating, r.comment, r.actor))
        return out

    def _attach_feedback(self, analyses: list) -> None:
        ratings = self._ratings([a.drop_id for a in analyses if a.drop_id is not None])
        for a in analyses:
            rs = ratings.get(a.drop_id, [])
            if rs:
                vals = [r for r, _, _ in rs]
                a.feedback = {"count": len(vals), "mean": round(sum(vals) / len(vals), 3),
                              "adjusted_quality": adjusted_quality(a.quality_score, vals),
                              "comments": [c for _, c, _ in rs if c][-5:]}

    def feedback_summary(self, workflow_id: str | None = None):
        """DataFrame: per rated drop, the ratings, the static quality and the feedback-adjusted one."""
        import pandas as pd

        drops = {d.id: d for d in self.drops.list(workflow_id=workflow_id)}
        ratings = self._ratings(list(drops))
        cached = self._cached_analyses([drops[i].content_hash for i in ratings])
        rows = []
        for did, rs in ratings.items():
            vals = [r for r, _, _ in rs]
            a = cached.get(drops[did].content_hash)
            static = a.quality_score if a else None
            rows.append({"drop_id": did, "workflow_id": drops[did].workflow_id, "ratings": len(vals),
                         "mean_rating": round(sum(vals) / len(vals), 3), "quality_score": static,
                         "adjusted_quality": adjusted_quality(static, vals),
                         "last_comment": next((c for _, c, _ in reversed(rs) if c), None)})
        cols = ["drop_id", "workflow_id", "ratings", "mean_rating", "quality_score", "adjusted_quality", "last_comment"]
        return pd.DataFrame(rows, columns=cols)

    # -- suggestions -----------------------------------------------------------------------
    def suggest(self, drop_id: int) -> SuggestionList:
        """Concrete fixes for the drop's current version, each a unified diff with its source."""
        drop = self.drops.get(drop_id)
        a = self.analyze(drop.id)
        secrets = [i for i in a.issues if i.get("kind") == "secret"]
        return suggestions_for(drop.artifact, a.language, drop_id=drop.id, version=drop.version, secrets=secrets)

    def suggestion(self, drop_id: int, suggestion_id: str) -> Suggestion:
        """One of :meth:`suggest`'s fixes for the current version, or ``NotFound``."""
        for s in self.suggest(drop_id):
            if s.id == suggestion_id:
                return s
        raise NotFound(f"drop {drop_id} has no suggestion {suggestion_id!r} for its current version",
                       hint=f"list the current ones with store.suggest({drop_id}); the drop may have changed")

    def apply_suggestion(self, drop_id: int, suggestion_id: str, *, expected_version: int | None = None,
                         created_by: str | None = None) -> tuple[Drop, Suggestion]:
        """Apply one of :meth:`suggest`'s fixes as a new version whose message names it.

        The suggestion must have been computed from the current version: after any other
        change its id no longer exists (``NotFound``: suggest again). ``expected_version``
        guards against a concurrent writer as in ``store.update``.
        """
        s = self.suggestion(drop_id, suggestion_id)
        drop = self.drops.update(drop_id, artifact=s.new_text, expected_version=expected_version or s.version,
                                 created_by=created_by, message=f"apply suggestion {s.id} ({s.source}): {s.title}")
        return drop, s

    # -- projects -------------------------------------------------------------------------
    def project(self, workflow_id: str):
        """The multi-file project built from a workflow's project_structure and code drops."""
        return build_project(self.drops, workflow_id)

    def project_files(self, workflow_id: str) -> dict[str, str]:
        """The project's files as {path: text}: what the runner runs."""
        return {path: f.text for path, f in self.project(workflow_id).files.items()}
