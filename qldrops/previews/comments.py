"""Line comments: anchored to a drop, a line range and a version; threaded, resolvable.

A comment points at lines ``line_start``..``line_end`` (1-based, inclusive) of one
version of a drop. When a new version is written (any path: update, save, rollback,
a suggestion), :meth:`Comments.follow_lines` runs inside that transaction and moves
each comment to where its lines are now (mapped through the diff), or marks it
``outdated`` when one of its lines was edited or removed; an outdated comment keeps
the last version it matched. Replies (``reply_to``) share their parent's anchor.

The body is plain text: stored and returned exactly as typed, HTML included, and
never rendered as markup by qldrops (the pages escape it). Every new comment or
resolution also writes a ``comment`` row to the change log (so ``store.watch``
sees it) and a ``comment`` event; visitors' comments an audit row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import NotFound, ValidationError
from ..store import schema as t
from ..store.core import DropStore
from ..store.merge import line_mapper, map_lines
from ..store.models import Listing
from .auth import Principal, audit, principal_of, require
from .events import event_values

if TYPE_CHECKING:  # the component that owns this manager (it imports this module)
    from .sharing import Sharing

MAX_BODY = 10_000
MAX_PAGE = 1000
COMMENT_COLUMNS = ("id", "drop_id", "file", "version", "line_start", "line_end", "author", "body", "reply_to",
                   "outdated", "resolved", "resolved_by", "created_at", "created_version", "workflow_id",
                   "preview_id", "resolved_at", "workspace")


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    workspace: str
    workflow_id: str
    drop_id: int
    version: int  # the version line_start/line_end refer to (the latest one they still match)
    line_start: int
    line_end: int
    body: str  # plain text
    author: str
    created_at: dt.datetime
    created_version: int
    file: str | None = None
    preview_id: int | None = None
    reply_to: int | None = None
    outdated: bool = False
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["resolved"] = self.resolved
        return d

    def __repr__(self) -> str:
        flags = "".join(f" {f}" for f, on in (("outdated", self.outdated), ("resolved", self.resolved)) if on)
        return (f"<Comment {self.id} drop {self.drop_id} v{self.version} L{self.line_start}-{self.line_end} "
                f"by {self.author!r}{flags}: {self.body[:40]!r}>")


class CommentList(Listing[Comment]):
    columns = COMMENT_COLUMNS


_FIELDS = ("id", "workspace", "workflow_id", "drop_id", "version", "line_start", "line_end", "body", "author",
           "created_at", "created_version", "file", "preview_id", "reply_to", "outdated", "resolved_at",
           "resolved_by")


def _comment(r) -> Comment:
    m = r._asdict()  # one dict per row: attribute access on rows costs ~5 µs a field
    m["outdated"] = bool(m["outdated"])
    return Comment(**{k: m[k] for k in _FIELDS})


def check_body(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError("a comment needs some text", hint="type the comment, then send it")
    if len(body) > MAX_BODY:
        raise ValidationError(f"the comment is {len(body):,} characters; at most {MAX_BODY:,}",
                              hint="shorten it or split it into replies")
    if "\x00" in body:
        raise ValidationError("the comment contains NUL characters", hint="send plain text")
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("the comment holds lone surrogate characters (not valid UTF-8)",
                              hint="send plain text") from None
    return body


def _check_line(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{name} must be a line number (an integer >= 1), not {value!r}",
                              hint="lines are numbered from 1, as the editor shows them")
    return value


class Comments:
    """``store.comment`` / ``store.comments`` and the comments of a share link's visitors."""

    def __init__(self, sharing: Sharing):
        self._sharing = sharing
        self._store = sharing.drops

    # -- writes -----------------------------------------------------------------------------
    def add(self, drop_id: int, body: str, *, line_start: int | None = None, line_end: int | None = None,
            version: int | None = None, reply_to: int | None = None, file: str | None = None,
            author: str | None = None, principal: Principal | None = None, reader: DropStore | None = None,
            preview: Any = None, viewer: str | None = None) -> Comment:
        """Comment on lines ``line_start``..``line_end`` of ``version`` (default: current) of a drop.

        ``principal``/``reader``/``preview`` are set by a share link's view (already checked).
        """
        p = principal or principal_of(self._store)
        store = reader or self._store
        ws = store.workspace if reader is not None else (p.workspace or self._store.workspace)
        require(p, "comment", ws, store=self._store, target=f"drop:{drop_id}")
        body = check_body(body)
        if file is not None and (not isinstance(file, str) or len(file) > 1000):
            raise ValidationError("file must be a path of at most 1,000 characters", hint="e.g. file='main.py'")
        author = author or p.actor
        if not isinstance(author, str) or not author.strip() or len(author) > 200:
            raise ValidationError("author must be a name of 1 to 200 characters", hint="e.g. author='alice'")
        now = self._store.now()
        with store.transaction() as conn:
            drop = conn.execute(sa.select(t.drops.c.id, t.drops.c.workflow_id, t.drops.c.version,
                                          t.drops.c.deleted_at, t.drops.c.metadata)
                                .where(t.drops.c.id == drop_id, t.drops.c.workspace == ws)).first()
            if drop is None or drop.deleted_at is not None or (
                    p.kind == "link" and drop.workflow_id != p.workflow_id):
                raise NotFound(f"no drop {drop_id} to comment on here", hint="comment on a drop the page lists")
            if reply_to is not None:
                parent = conn.execute(sa.select(t.comments).where(t.comments.c.id == reply_to,
                                                                  t.comments.c.drop_id == drop.id)).first()
                if parent is None:
                    raise NotFound(f"no comment {reply_to!r} on drop {drop_id} to reply to",
                                   hint="reply to a comment listed by comments(drop_id=...)")
                anchor = (parent.version, parent.created_version, parent.line_start, parent.line_end,
                          parent.file, bool(parent.outdated))
            else:
                start = _check_line("line_start", line_start)
                end = start if line_end is None else _check_line("line_end", line_end)
                if end < start:
                    raise ValidationError(f"line_end {end} is before line_start {start}",
                                          hint="give the first and last line of the range")
                at = drop.version if version is None else version
                text = self._version_text(conn, drop.id, at)
                if end > max(len(text.splitlines()), 1):
                    raise ValidationError(f"v{at} of drop {drop_id} has {len(text.splitlines())} lines; "
                                          f"line {end} does not exist", hint="comment on lines the file has")
                outdated = False
                if at != drop.version:  # anchored to an older version: bring it forward now
                    moved = map_lines(text, self._version_text(conn, drop.id, drop.version), start, end)
                    if moved is not None:
                        at, (start, end) = drop.version, moved
                    else:
                        outdated = True
                meta = drop.metadata if isinstance(drop.metadata, dict) else {}
                anchor = (at, at if version is None else version, start, end,
                          file if file is not None else meta.get("filename"), outdated)
            cid = conn.execute(t.comments.insert().values(
                workspace=ws, workflow_id=drop.workflow_id, drop_id=drop.id, file=anchor[4], version=anchor[0],
                created_version=anchor[1], line_start=anchor[2], line_end=anchor[3], body=body, author=author,
                preview_id=p.preview_id, reply_to=reply_to, outdated=anchor[5], created_at=now,
            ).returning(t.comments.c.id)).scalar_one()
            self._log(store, conn, drop.id, cid, "new", p, author, preview, drop.workflow_id, now, viewer)
            row = conn.execute(sa.select(t.comments).where(t.comments.c.id == cid)).one()
        return _comment(row)

    def resolve(self, comment_id: int, *, resolved: bool = True, by: str | None = None,
                principal: Principal | None = None, reader: DropStore | None = None, preview: Any = None,
                viewer: str | None = None) -> Comment:
        """Mark a comment (a thread's first comment, usually) resolved, or open it again."""
        p = principal or principal_of(self._store)
        store = reader or self._store
        ws = store.workspace if reader is not None else (p.workspace or self._store.workspace)
        require(p, "comment", ws, store=self._store, target=f"comment:{comment_id}")
        by = by or p.actor
        now = self._store.now()
        with store.transaction() as conn:
            row = conn.execute(sa.select(t.comments).where(t.comments.c.id == comment_id,
                                                           t.comments.c.workspace == ws)).first()
            if row is None or (p.kind == "link" and row.workflow_id != p.workflow_id):
                raise NotFound(f"no comment {comment_id!r} here", hint="see comments(drop_id=...)")
            conn.execute(t.comments.update().where(t.comments.c.id == row.id).values(
                resolved_at=now if resolved else None, resolved_by=by if resolved else None))
            self._log(store, conn, row.drop_id, row.id, "resolved" if resolved else "reopened", p, by, preview,
                      row.workflow_id, now, viewer)
            row = conn.execute(sa.select(t.comments).where(t.comments.c.id == row.id)).one()
        return _comment(row)

    def _log(self, store: DropStore, conn: sa.Connection, drop_id: int, comment_id: int, action: str,
             p: Principal, actor: str, preview: Any, workflow_id: str, now: dt.datetime,
             viewer: str | None = None) -> None:
        """The change-log row (for watchers), the ``comment`` event and, for visitors, an audit row."""
        store.log_change(conn, drop_id, "comment", comment_id, None)
        conn.execute(t.events.insert().values(**event_values(
            store, preview, "comment", now=now, user_agent=None, client=None, actor=actor, idempotency_key=None,
            duration_ms=None, metadata={"comment_id": comment_id, "action": action}, drop_id=drop_id,
            workspace=store.workspace, workflow_id=workflow_id, viewer=viewer)))
        if p.kind != "local":
            audit(self._store, p, f"comment.{action}", store.workspace, allowed=True, target=f"comment:{comment_id}",
                  detail={"drop_id": drop_id, "actor": actor}, conn=conn)

    def _version_text(self, conn: sa.Connection, drop_id: int, version: Any) -> str:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValidationError(f"version must be a positive integer, not {version!r}")
        row = conn.execute(sa.select(t.blobs.c.codec, t.blobs.c.data, t.blobs.c.hash)
                           .join(t.drop_versions, t.drop_versions.c.content_hash == t.blobs.c.hash)
                           .where(t.drop_versions.c.drop_id == drop_id, t.drop_versions.c.version == version)).first()
        if row is None:
            raise NotFound(f"drop {drop_id} has no version {version}", hint=f"see history({drop_id})")
        return self._store.blob_bytes(row.codec, row.data, row.hash).decode("utf-8")

    # -- the store's hook: comments follow their lines ---------------------------------------
    def follow_lines(self, conn: sa.Connection, drop_id: int, old_version: int, new_version: int,
                     old_text: str, new_text: str) -> None:
        """Move the live comments of ``old_version`` onto ``new_version``, or mark them outdated."""
        c = t.comments.c
        rows = conn.execute(sa.select(c.id, c.line_start, c.line_end).where(
            c.drop_id == drop_id, c.version == old_version, c.outdated.is_(False))).all()
        if not rows:
            return
        mapper = line_mapper(old_text, new_text)
        outdated: list[int] = []
        moved: list[dict[str, int]] = []
        for r in rows:
            where = mapper(r.line_start, r.line_end)
            if where is None:
                outdated.append(r.id)
            else:
                moved.append({"cid": r.id, "ls": where[0], "le": where[1]})
        for i in range(0, len(outdated), 500):
            conn.execute(t.comments.update().where(c.id.in_(outdated[i:i + 500])).values(outdated=True))
        if moved:  # one statement, many parameter sets
            conn.execute(t.comments.update().where(c.id == sa.bindparam("cid")).values(
                version=new_version, line_start=sa.bindparam("ls"), line_end=sa.bindparam("le")), moved)

    # -- reads ------------------------------------------------------------------------------
    def list(self, workflow_id: str | None = None, drop_id: int | None = None, *, include_resolved: bool = True,
             include_outdated: bool = True, limit: int = 200, after_id: int | None = None,
             principal: Principal | None = None, reader: DropStore | None = None) -> CommentList:
        """Comments oldest first (threads read top-down), at most ``limit`` after ``after_id`` (paging)."""
        p = principal or principal_of(self._store)
        store = reader or self._store
        ws = store.workspace if reader is not None else (p.workspace or self._store.workspace)
        require(p, "read", ws, store=self._store)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"limit must be an integer from 1 to {MAX_PAGE}, not {limit!r}",
                                  hint="page with after_id=<the last id of the previous page>")
        c = t.comments.c
        q = sa.select(t.comments).where(c.workspace == ws).order_by(c.id).limit(limit)
        if p.kind == "link":
            q = q.where(c.workflow_id == p.workflow_id)
        if workflow_id is not None:
            q = q.where(c.workflow_id == workflow_id)
        if drop_id is not None:
            q = q.where(c.drop_id == drop_id)
        if after_id is not None:
            q = q.where(c.id > after_id)
        if not include_resolved:
            q = q.where(c.resolved_at.is_(None))
        if not include_outdated:
            q = q.where(c.outdated.is_(False))
        with store.reading() as conn:
            return CommentList([_comment(r) for r in conn.execute(q)])

    def get(self, comment_id: int, *, principal: Principal | None = None,
            reader: DropStore | None = None) -> Comment:
        p = principal or principal_of(self._store)
        store = reader or self._store
        ws = store.workspace if reader is not None else (p.workspace or self._store.workspace)
        require(p, "read", ws, store=self._store)
        with store.reading() as conn:
            row = conn.execute(sa.select(t.comments).where(t.comments.c.id == comment_id,
                                                           t.comments.c.workspace == ws)).first()
        if row is None or (p.kind == "link" and row.workflow_id != p.workflow_id):
            raise NotFound(f"no comment {comment_id!r} here", hint="see comments(drop_id=...)")
        return _comment(row)


__all__ = ["Comment", "CommentList", "Comments"]
