"""Share links (previews): persistent, expiring, revocable, counted.

A preview row grants read access to one workflow (or one drop of it) in one
workspace until ``expires_at``, unless revoked. Its ``dashboard`` says what the
link opens: ``preview`` (that workflow) or a workspace-wide dashboard
(``analytics``, ``explorer``: no workflow, the workspace's usage or drops, read
only; creating one needs an editor or admin). The capability (the secret in
``/p/<capability>``) is shown once at creation; the table keeps its SHA-256.

``check`` validates a capability and records nothing: the server calls it
before any kernel starts. ``open`` does the same checks, then counts the
access and records a ``view`` event in one transaction, and returns a
:class:`PreviewView`, the window an anonymous visitor gets.

A link's ``access`` says what its visitors may do: ``view`` (read only, the
default), ``comment`` (add line comments) or ``edit`` (also save new versions).
A visitor types a display name once (``view.set_name``); their edits and
comments are attributed "name (via link N, shared by alice)" in the history,
the events and the audit log. Every call re-checks the link, so a revoked edit
link refuses the next save at once.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import AccessDenied, LinkExpired, LinkRevoked, NotFound, ValidationError
from ..store import schema as t
from ..store.core import MAX_CONTRIBUTORS
from ..store.models import Diff, DropList, Listing, Version
from ..store.timeparse import MAX_TTL, parse_duration
from .auth import _RANK, ACCESS_LEVELS, Principal, audit, principal_of, require
from .capability import is_well_formed, mask, new_capability, secret_hash
from .comments import Comment, CommentList
from .events import Events, event_values, insert_event
from .identity import User, Workspace, workspace_name

if TYPE_CHECKING:  # the component that owns this manager (it imports this module)
    from ..store.watch import Position
    from .sharing import Sharing

log = logging.getLogger(__name__)

_NO_LINK = "no such share link"
_NO_LINK_HINT = "check that the whole link was copied; ask its owner for a new one"
PREVIEW_COLUMNS = ["id", "workspace", "dashboard", "workflow_id", "drop_id", "access", "status", "created_by",
                   "created_at", "expires_at", "revoked_at", "access_count", "last_access_at", "title"]
# What a link can open. "preview" shows one workflow; the others show the link's whole workspace.
DASHBOARDS = ("preview", "analytics", "explorer")
WORKSPACE_DASHBOARDS = frozenset(DASHBOARDS) - {"preview"}
_ACCESS_RANK = {a: i for i, a in enumerate(ACCESS_LEVELS)}
MAX_DISPLAY_NAME = 80


@dataclass(frozen=True, slots=True)
class Preview:
    """One share link. ``capability`` and ``url`` are set only on the object ``create`` returns."""

    id: int
    workspace: str
    workflow_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    status: str  # active | expired | revoked (as of when this object was read)
    drop_id: int | None = None
    created_by: str | None = None
    revoked_at: dt.datetime | None = None
    access_count: int = 0
    last_access_at: dt.datetime | None = None
    title: str | None = None
    dashboard: str = "preview"  # preview | analytics | explorer (the last two: workflow_id is "")
    access: str = "view"  # view | comment | edit: what a visitor may do
    capability: str | None = field(default=None, repr=False)
    url: str | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("capability")
        d.pop("url")
        return d

    def __repr__(self) -> str:
        secret = f" link=/p/{mask(self.capability)}" if self.capability else ""
        what = f"workflow={self.workflow_id!r}" if self.dashboard == "preview" else f"dashboard={self.dashboard!r}"
        return (f"<Preview {self.id} {self.status} {what} in {self.workspace!r} "
                f"expires {self.expires_at:%Y-%m-%d %H:%M} UTC, {self.access_count} views{secret}>")

    def _repr_html_(self) -> str:
        link = (f"<br><a href='{html.escape(self.url)}' target='_blank' rel='noreferrer'>{html.escape(self.url)}</a>"
                f" <small>(shown once: copy it now)</small>") if self.url else ""
        what = (f"workflow <code>{html.escape(self.workflow_id)}</code>" if self.dashboard == "preview"
                else f"the {html.escape(self.dashboard)} dashboard")
        return (f"<div><b>Preview {self.id}</b> · {html.escape(self.status)} · {what}"
                f" in <code>{html.escape(self.workspace)}</code>"
                f" · expires {self.expires_at:%Y-%m-%d %H:%M} UTC · {self.access_count} views{link}</div>")


def _status(row, now: dt.datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    return "active"


def _preview(row, now: dt.datetime) -> Preview:
    return Preview(id=row.id, workspace=row.workspace, workflow_id=row.workflow_id, drop_id=row.drop_id,
                   created_by=row.created_by, created_at=row.created_at, expires_at=row.expires_at,
                   revoked_at=row.revoked_at, access_count=row.access_count, last_access_at=row.last_access_at,
                   title=row.title, status=_status(row, now), dashboard=row.dashboard, access=row.access)


def _raise_unless_allows(p: Preview, need: str) -> None:
    if need not in _ACCESS_RANK:
        raise ValidationError(f"unknown access {need!r}", hint="use one of: " + ", ".join(ACCESS_LEVELS))
    if _ACCESS_RANK.get(p.access, 0) < _ACCESS_RANK[need]:
        what = {"comment": "commenting", "edit": "editing"}.get(need, need)
        a = "an" if need == "edit" else "a"
        raise AccessDenied(f"this share link only lets you {p.access}; {what} needs {a} {need} link",
                           hint=f"ask the link's owner ({p.created_by or 'its creator'}) for {a} {need} link")


def check_display_name(name: object) -> str:
    """A visitor's display name: 1 to 80 characters of plain text, no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("type a display name first", hint="e.g. view.set_name('Ada'); it is shown to the "
                                                                "other visitors and in the history")
    name = " ".join(name.split())
    if len(name) > MAX_DISPLAY_NAME:
        raise ValidationError(f"the display name is {len(name)} characters; at most {MAX_DISPLAY_NAME}",
                              hint="use a shorter name")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in name):
        raise ValidationError("the display name contains control characters", hint="type plain text")
    return name


def attribution(preview: Preview, name: str | None) -> str:
    """How a link's visitor is written in history, events and the audit log."""
    return f"{name or 'anonymous visitor'} (via link {preview.id}, shared by {preview.created_by or 'unknown'})"


def _raise_unless_live(p: Preview) -> None:
    if p.status == "revoked":
        raise LinkRevoked("this share link was revoked", hint="ask its owner for a new link")
    if p.status == "expired":
        raise LinkExpired(f"this share link expired at {p.expires_at:%Y-%m-%d %H:%M} UTC",
                          hint="ask its owner to extend it or to share a new link")


class _Retried(Exception):
    """Internal: an open() retried with the same idempotency key (rolls its transaction back)."""


class Previews:
    """``store.previews``: create, list, check, open, revoke and extend share links."""

    def __init__(self, sharing: Sharing):
        self._sharing = sharing
        self._store = sharing.drops

    # -- owner side -------------------------------------------------------------------------
    def create(self, workflow_id: str | None = None, ttl: Any = "60m", *, dashboard: str = "preview",
               created_by: User | str | None = None, workspace: Workspace | str | None = None,
               drop_id: int | None = None, title: str | None = None, access: str = "view") -> Preview:
        """Share ``workflow_id`` (or one drop of it) for ``ttl``; the returned object holds the link once.

        ``access``: ``"view"`` (read only), ``"comment"`` (visitors add line comments) or
        ``"edit"`` (visitors also save new versions, attributed to the name they type).

        ``dashboard="analytics"`` or ``"explorer"`` shares the workspace's dashboard instead
        (no ``workflow_id``): the visitor reads the whole workspace, so the creator must be an
        editor or admin of it (also a ``created_by`` user named by a local connection).
        """
        p = principal_of(self._store)
        if workspace is None and isinstance(created_by, User):
            workspace = created_by.workspace
        ws = workspace_name(workspace, p.workspace or self._store.workspace)
        if isinstance(created_by, User) and created_by.workspace != ws:
            raise ValidationError(f"user {created_by.name!r} belongs to {created_by.workspace!r}, not {ws!r}",
                                  hint="share from the creator's own workspace")
        if dashboard not in DASHBOARDS:
            raise ValidationError(f"unknown dashboard {dashboard!r}", hint="use one of: " + ", ".join(DASHBOARDS))
        wide = dashboard in WORKSPACE_DASHBOARDS
        if wide:
            if workflow_id not in (None, "") or drop_id is not None:
                raise ValidationError(f"the {dashboard} dashboard shows the whole workspace; it takes no "
                                      f"workflow or drop (got {workflow_id!r})",
                                      hint="leave the workflow out, or share it with dashboard='preview'")
            workflow_id = ""
        elif not isinstance(workflow_id, str) or not workflow_id.strip() or len(workflow_id) > 200:
            raise ValidationError(f"workflow_id must be a non-empty string of at most 200 characters, "
                                  f"not {workflow_id!r}", hint="pass the workflow id as stored, e.g. 'wf-42'")
        if access not in ACCESS_LEVELS:
            raise ValidationError(f"unknown access {access!r}", hint="use one of: " + ", ".join(ACCESS_LEVELS))
        if wide and access != "view":
            raise ValidationError(f"the {dashboard} dashboard is read only; a link to it cannot grant {access!r}",
                                  hint="share one workflow with dashboard='preview' to let visitors comment or edit")
        if title is not None and (not isinstance(title, str) or len(title) > 500):
            raise ValidationError("title must be a string of at most 500 characters", hint="shorten the title")
        delta = parse_duration(ttl, what="ttl", maximum=MAX_TTL)
        require(p, "preview.create", ws, store=self._store,
                target=f"dashboard:{dashboard}" if wide else f"workflow:{workflow_id}")
        if wide and p.kind == "local":
            self._require_wide_creator(created_by, ws)
        if p.kind == "user":
            creator = p.actor  # a token holder cannot create links in someone else's name
        elif created_by is None:
            creator = p.actor
        else:
            creator = created_by.name if isinstance(created_by, User) else str(created_by)[:200]
        live = sa.select(t.drops.c.id).where(t.drops.c.workspace == ws, t.drops.c.workflow_id == workflow_id,
                                             t.drops.c.deleted_at.is_(None))
        if drop_id is not None:
            live = live.where(t.drops.c.id == drop_id)
        now = self._store.now()
        capability = new_capability()
        with self._store.transaction() as conn:
            if not wide and conn.execute(live.limit(1)).first() is None:
                what = f"drop {drop_id} in workflow {workflow_id!r}" if drop_id is not None else \
                    f"workflow {workflow_id!r}"
                raise NotFound(f"no live {what} in workspace {ws!r}: nothing to share",
                               hint="check the id with `qldrops list --workflow ...`")
            pid = conn.execute(t.previews.insert().values(
                token_hash=secret_hash(capability), workspace=ws, workflow_id=workflow_id, drop_id=drop_id,
                created_by=creator, created_at=now, expires_at=now + delta, access_count=0, title=title,
                dashboard=dashboard, access=access,
            ).returning(t.previews.c.id)).scalar_one()
            conn.execute(t.events.insert().values(
                workspace=ws, preview_id=pid, workflow_id=workflow_id, drop_id=drop_id, event_type="share",
                actor=creator, metadata={"ttl_s": int(delta.total_seconds()), "dashboard": dashboard,
                                         "access": access},
                created_at=now))
            audit(self._store, p, "preview.create", ws, allowed=True, target=f"preview:{pid}",
                  detail={"workflow_id": workflow_id, "dashboard": dashboard, "ttl_s": int(delta.total_seconds()),
                          "access": access},
                  conn=conn)
        base = self._store.settings.base_url.rstrip("/")
        log.info("preview %s (%s) created for %s/%s by %s", pid, dashboard, ws, workflow_id, creator)
        return Preview(id=pid, workspace=ws, workflow_id=workflow_id, drop_id=drop_id, created_by=creator,
                       created_at=now, expires_at=now + delta, title=title, status="active", dashboard=dashboard,
                       access=access, capability=capability, url=f"{base}/p/{capability}")

    def _require_wide_creator(self, created_by: User | str | None, ws: str) -> None:
        """A workspace-wide link shows everything in ``ws``: its named creator must be an editor or admin.

        Token callers were checked by ``require`` (preview.create needs editor). A local
        connection may name a creator; if that name is a user of ``ws``, its role counts.
        """
        if created_by is None:
            return
        user = created_by
        if not isinstance(user, User):
            try:
                user = self._sharing.users.get(str(created_by), workspace=ws)
            except NotFound:
                return  # a name that is not a user (a script, a service): the local caller vouches
        if _RANK.get(user.role, -1) < _RANK["editor"]:
            raise AccessDenied(f"{user.name} is a {user.role} in {ws!r}; a workspace-wide dashboard link needs "
                               "an editor or admin", hint=f"ask an admin to run `qldrops user role {user.name} "
                               f"editor --workspace {ws}`, or share one workflow with dashboard='preview'")

    def get(self, preview_id: int) -> Preview:
        row = self._row_by_id(preview_id)
        require(principal_of(self._store), "preview.list", row.workspace, store=self._store)
        return _preview(row, self._store.now())

    def list(self, *, active: bool | None = True, workflow_id: str | None = None,
             workspace: Workspace | str | None = None, created_by: User | str | None = None,
             limit: int | None = None):
        """Previews of one workspace, newest first. ``active=True`` live only, ``False`` dead only, ``None`` all."""
        p = principal_of(self._store)
        ws = workspace_name(workspace, p.workspace or self._store.workspace)
        require(p, "preview.list", ws, store=self._store)
        now = self._store.now()
        c = t.previews.c
        live = sa.and_(c.revoked_at.is_(None), c.expires_at > now)
        q = sa.select(t.previews).where(c.workspace == ws).order_by(c.id.desc())
        if active is True:
            q = q.where(live)
        elif active is False:
            q = q.where(sa.not_(live))
        if workflow_id is not None:
            q = q.where(c.workflow_id == workflow_id)
        if created_by is not None:
            q = q.where(c.created_by == (created_by.name if isinstance(created_by, User) else created_by))
        if limit is not None:
            q = q.limit(int(limit))
        with self._store.reading() as conn:
            rows = conn.execute(q).all()
        return Listing([_preview(r, now) for r in rows], columns=PREVIEW_COLUMNS)

    def revoke(self, preview_id: int) -> Preview:
        """Revoke at once; revoking again keeps the first time. The link then answers 410."""
        row = self._row_by_id(preview_id)
        p = require(principal_of(self._store), "preview.revoke", row.workspace, store=self._store,
                    target=f"preview:{row.id}")
        now = self._store.now()
        with self._store.transaction() as conn:
            conn.execute(t.previews.update().where(t.previews.c.id == row.id, t.previews.c.revoked_at.is_(None))
                         .values(revoked_at=now))
            audit(self._store, p, "preview.revoke", row.workspace, allowed=True, target=f"preview:{row.id}",
                  conn=conn)
        return _preview(self._row_by_id(row.id), now)

    def extend(self, preview_id: int, ttl: Any = "60m") -> Preview:
        """Push the expiry ``ttl`` past the later of now and the current expiry (at most 90 days ahead).

        An expired link can be extended (it comes back to life); a revoked one cannot.
        """
        delta = parse_duration(ttl, what="ttl", maximum=MAX_TTL)
        row = self._row_by_id(preview_id)
        p = require(principal_of(self._store), "preview.extend", row.workspace, store=self._store,
                    target=f"preview:{row.id}")
        now = self._store.now()
        with self._store.transaction() as conn:
            cur = conn.execute(sa.select(t.previews.c.expires_at, t.previews.c.revoked_at)
                               .where(t.previews.c.id == row.id)).one()
            if cur.revoked_at is not None:
                raise LinkRevoked(f"preview {row.id} was revoked and cannot be extended",
                                  hint="create a new link with `qldrops preview create`")
            new = min(max(cur.expires_at, now) + delta, now + MAX_TTL)
            conn.execute(t.previews.update().where(t.previews.c.id == row.id).values(expires_at=new))
            audit(self._store, p, "preview.extend", row.workspace, allowed=True, target=f"preview:{row.id}",
                  detail={"expires_at": new.isoformat()}, conn=conn)
        return _preview(self._row_by_id(row.id), now)

    # -- visitor side -----------------------------------------------------------------------
    def check(self, capability: str, need: str = "view") -> Preview:
        """The live preview behind ``capability``, or NotFound / LinkExpired / LinkRevoked. Records nothing.

        ``need="comment"`` or ``"edit"`` also raises AccessDenied unless the link grants that much.
        """
        p = self._by_capability(capability)
        _raise_unless_live(p)
        _raise_unless_allows(p, need)
        return p

    def open(self, capability: str, *, user_agent: str | None = None, client: str | None = None,
             actor: str | None = None, idempotency_key: str | None = None,
             display_name: str | None = None) -> PreviewView:
        """Check, count the access, record a ``view`` event (one transaction) and return the visitor's view.

        ``display_name``: the name the visitor typed (see :meth:`PreviewView.set_name`).
        """
        name = None if display_name is None else check_display_name(display_name)

        p = self.check(capability)  # the answer for dead links, and no write transaction for them
        if name is not None and actor is None:
            actor = attribution(p, name)[:200]  # the view counts for the same visitor as their edits
        now = self._store.now()
        c = t.previews.c
        values = event_values(self._store, p, "view", now=now, user_agent=user_agent, client=client, actor=actor,
                              idempotency_key=idempotency_key, duration_ms=None, metadata=None, drop_id=None)
        try:
            # A view count is analytics, not a drop: the commit is atomic but does not wait for
            # the disk flush (a power cut may forget the last few views).
            with self._store.transaction(durable=False) as conn:
                row = conn.execute(t.previews.update()
                                   .where(c.id == p.id, c.revoked_at.is_(None), c.expires_at > now)
                                   .values(access_count=c.access_count + 1, last_access_at=now)
                                   .returning(*t.previews.c)).first()
                if row is None:  # revoked or expired since the check: say which
                    self._live_by_id(p.id)
                    raise LinkExpired("this share link is no longer live", hint="ask its owner for a new link")
                if conn.execute(insert_event(self._store.dialect, values)).first() is None:
                    raise _Retried()  # a retried idempotency key: roll the count back, serve it
        except _Retried:
            row = self._raw_row(p.id)
        return PreviewView(self._sharing, _preview(row, now), display_name=name, viewer=values["viewer_id"])

    def view(self, preview_id: int, *, display_name: str | None = None) -> PreviewView:
        """The read-only view of live link ``preview_id``, without counting an access.

        For a process that already checked and counted the link (the server's kernels,
        which learn the id from a one-time ticket): NotFound / LinkExpired / LinkRevoked.
        """
        if isinstance(preview_id, Preview):
            preview_id = preview_id.id
        if not isinstance(preview_id, int) or isinstance(preview_id, bool):
            raise ValidationError(f"preview id must be an int, not {preview_id!r}", hint="see `qldrops preview list`")
        name = None if display_name is None else check_display_name(display_name)
        return PreviewView(self._sharing, self._live_by_id(preview_id), display_name=name)

    # -- internals --------------------------------------------------------------------------
    def _by_capability(self, capability: str) -> Preview:
        if not is_well_formed(capability):
            raise NotFound(_NO_LINK, hint=_NO_LINK_HINT)  # no database access for junk
        with self._store.reading() as conn:
            row = conn.execute(sa.select(t.previews).where(t.previews.c.token_hash == secret_hash(capability))).first()
        if row is None:
            raise NotFound(_NO_LINK, hint=_NO_LINK_HINT)
        return _preview(row, self._store.now())

    def _raw_row(self, preview_id: int):
        """The row by id with no access check (callers check)."""
        with self._store.reading() as conn:
            return conn.execute(sa.select(t.previews).where(t.previews.c.id == preview_id)).first()

    def _row_by_id(self, preview_id: int):
        if isinstance(preview_id, Preview):
            preview_id = preview_id.id
        if not isinstance(preview_id, int) or isinstance(preview_id, bool):
            raise ValidationError(f"preview id must be an int, not {preview_id!r}", hint="see `qldrops preview list`")
        row = self._raw_row(preview_id)
        p = principal_of(self._store)
        if row is None or (p.kind != "local" and p.workspace != row.workspace):
            # Same answer for absent and elsewhere: no probing other workspaces.
            raise NotFound(f"no preview {preview_id} here", hint="see `qldrops preview list`")
        return row

    def check_run(self, preview_id: int, workflow_id: str) -> None:
        """The runner's link check: a run tied to a share link must be on that link's workflow, in this
        store's workspace, and the link must be live."""
        if isinstance(preview_id, bool) or not isinstance(preview_id, int):
            raise ValidationError(f"preview_id must be an integer, not {preview_id!r}")
        p = t.previews
        with self._store.reading() as conn:
            row = conn.execute(sa.select(p.c.workflow_id, p.c.expires_at, p.c.revoked_at).where(
                p.c.id == preview_id, p.c.workspace == self._store.workspace)).first()
        if row is None:
            raise NotFound(f"no preview {preview_id} in workspace {self._store.workspace!r}",
                           hint="see `qldrops preview list`")
        if row.revoked_at is not None:
            raise LinkRevoked(f"preview {preview_id} was revoked; its code cannot be run",
                              hint="ask its owner for a new link")
        if row.expires_at <= self._store.now():
            raise LinkExpired(f"preview {preview_id} expired; its code cannot be run",
                              hint="ask its owner to extend it (`qldrops preview extend`)")
        if row.workflow_id != workflow_id:
            raise AccessDenied(f"preview {preview_id} shares workflow {row.workflow_id!r}, not {workflow_id!r}",
                               hint="run only drops of the workflow the link shares")

    def _live_by_id(self, preview_id: int) -> Preview:
        """Re-check a preview by id (for views that outlive their first check)."""
        row = self._raw_row(preview_id)
        if row is None:
            raise NotFound(_NO_LINK, hint=_NO_LINK_HINT)
        p = _preview(row, self._store.now())
        _raise_unless_live(p)
        return p


class PreviewView:
    """What an anonymous visitor of a live link may do: read the drops of one workflow, in one
    workspace, and (by the link's access) comment on them or save new versions.

    Every call re-checks the link, so a view kept open past revocation or expiry
    stops serving at once. It holds no capability (nothing to leak to kernel code).
    """

    def __init__(self, sharing: Sharing, preview: Preview, *, display_name: str | None = None,
                 viewer: str | None = None):
        self._sharing = sharing
        # The visitor's id from the view that opened this page: their edits and comments count for the
        # same visitor even when the name is typed after the page opened (collaboration analytics).
        self.viewer = viewer
        self._store = sharing.drops
        self._reader = sharing.drops.in_workspace(preview.workspace)  # reads only after _granted() passed
        self.preview = preview
        self.display_name: str | None = None
        self.principal = Principal.link(workspace=preview.workspace, preview_id=preview.id,
                                        workflow_id=preview.workflow_id, access=preview.access)
        if display_name is not None:
            self.set_name(display_name)

    def set_name(self, name: str) -> PreviewView:
        """The visitor's display name, typed once: their edits and comments carry it."""
        self.display_name = check_display_name(name)
        self.principal = Principal.link(workspace=self.preview.workspace, preview_id=self.preview.id,
                                        workflow_id=self.preview.workflow_id, access=self.preview.access,
                                        name=self.attribution[:200])
        return self

    @property
    def attribution(self) -> str:
        """How this visitor is written in history, events and the audit log."""
        return attribution(self.preview, self.display_name)

    @property
    def access(self) -> str:
        """The link's access level (re-checked: raises LinkRevoked / LinkExpired once the link is dead)."""
        return self._sharing.previews._live_by_id(self.preview.id).access

    def can(self, need: str) -> bool:
        """Whether the link, as of now, lets this visitor ``need`` (view, comment, edit). Never raises for a dead
        link: False."""
        try:
            _raise_unless_allows(self._sharing.previews._live_by_id(self.preview.id), need)
        except (AccessDenied, NotFound):
            return False
        return True

    @property
    def workspace(self) -> str:
        return self.preview.workspace

    @property
    def workflow_id(self) -> str:
        return self.preview.workflow_id

    def drops(self, *, drop_type: str | None = None):
        """The live (not deleted) drops this link grants, at their current version."""
        q = self._granted()
        if drop_type is not None:
            q = q.where(t.drops.c.drop_type == drop_type)
        return self._load(q.order_by(t.drops.c.id))

    def get(self, drop_id: int):
        """One drop of this link, or NotFound (also for drops outside the link: nothing to probe)."""
        found = self._load(self._granted().where(t.drops.c.id == drop_id))
        if not found:
            raise NotFound(f"no drop {drop_id} in this share link", hint="open one of the drops the page lists")
        return found[0]

    def check(self) -> Preview:
        """The link as it is now; raises LinkExpired or LinkRevoked once it no longer serves.

        A page calls it before each interaction that reads nothing through this view (a tab
        drawing what it already holds), so an open page stops at once too."""
        self.preview = self._sharing.previews._live_by_id(self.preview.id)
        return self.preview

    def version(self, drop_id: int, version: int):
        """One version of a drop of this link (``store.get(id, version=)`` within the grant)."""
        drop = self.get(drop_id)  # re-checks the link; NotFound outside it
        return self._reader.get(drop.id, version=version)

    def history(self, drop_id: int) -> Listing[Version]:
        """Every version of a drop of this link, oldest first (``store.history`` within the grant)."""
        drop = self.get(drop_id)  # re-checks the link; NotFound outside it
        return self._reader.history(drop.id)

    def diff(self, drop_id: int, from_version: int, to_version: int, *, context: int = 3) -> Diff:
        """Unified diff between two versions of a drop of this link (``store.diff`` within the grant)."""
        drop = self.get(drop_id)  # re-checks the link; NotFound outside it
        return self._reader.diff(drop.id, from_version, to_version, context=context)

    def record(self, event_type: str, **kwargs: Any):
        """Record an event on this link (download, edit, execute ...) as the visitor."""
        self._sharing.previews._live_by_id(self.preview.id)
        return Events(self._sharing, principal=self.principal).record(self.preview.id, event_type, **kwargs)

    def run(self, drop_id: int, file: str | None = None, *, user_agent: str | None = None,
            client: str | None = None, **kwargs: Any):
        """Run a drop of this link in the sandbox, as the visitor (the Run button of the preview page).

        Share links grant running the previewed code (issue 5: a viewer may run it safely): only
        drops of this link, only in the sandbox, recorded as an execution tied to the link and an
        ``execute`` event for the funnel.
        """
        drop = self.get(drop_id)  # re-checks the link; NotFound for drops outside it
        result = self._sharing.runner.run(drop.id, file, actor=f"link:{self.preview.id}", preview_id=self.preview.id,
                                 **kwargs)
        self.record("execute", duration_ms=result.duration_ms, user_agent=user_agent, client=client,
                    drop_id=drop.id, metadata={"file": file, "status": result.status})
        return result

    # -- collaboration ------------------------------------------------------------------------
    def _allowed(self, need: str) -> Preview:
        """The live link, checked for ``need``, and the visitor's name (edits and comments carry one)."""
        p = self._sharing.previews._live_by_id(self.preview.id)  # LinkRevoked / LinkExpired at once
        _raise_unless_allows(p, need)
        require(self.principal, "write" if need == "edit" else need, p.workspace)
        if self.display_name is None:
            check_display_name(None)  # "type a display name first"
        return p

    def save(self, drop_id: int, text: str, *, base_version: int, contributors: list[str] | None = None,
             message: str | None = None, user_agent: str | None = None, client: str | None = None):
        """Save the edited ``text`` of a drop of this link as a new version (an edit link only).

        ``base_version`` is the version the text was loaded from: if the drop changed since,
        the edits are merged three ways (``MergeConflict`` with the marked text when they
        overlap; nothing written). The version names ``contributors`` (default: this visitor)
        and is attributed to this visitor; an ``edit`` event and an audit row record it.
        """
        p = self._allowed("edit")
        drop = self.get(drop_id)  # NotFound outside the link
        names = ([self.display_name or ""] + [c for c in (contributors or []) if c != self.display_name])
        names = names[:MAX_CONTRIBUTORS]
        who = self.attribution[:200]

        def on_saved(conn: sa.Connection, version: int, merged: bool) -> None:
            # The edit event and the audit row commit with the version, or not at all.
            conn.execute(t.events.insert().values(**event_values(
                self._store, p, "edit", now=self._store.now(), user_agent=user_agent, client=client, actor=who,
                idempotency_key=None, duration_ms=None, drop_id=drop.id, viewer=self.viewer,
                metadata={"version": version, "base_version": base_version, "merged": merged,
                          "contributors": names})))
            audit(self._store, self.principal, "drop.save", p.workspace, allowed=True, target=f"drop:{drop.id}",
                  detail={"version": version, "base_version": base_version, "merged": merged, "preview_id": p.id},
                  conn=conn)

        return self._reader.save(drop.id, text, base_version=base_version, contributors=names,
                                 message=message or f"edited via link {p.id}", created_by=who, on_saved=on_saved)

    def comment(self, drop_id: int, body: str, *, line_start: int | None = None, line_end: int | None = None,
                version: int | None = None, reply_to: int | None = None, file: str | None = None) -> Comment:
        """A line comment on a drop of this link (a comment or edit link), attributed to this visitor.

        ``line_start`` is required unless ``reply_to`` names the comment answered (a reply shares its anchor).
        """
        p = self._allowed("comment")
        drop = self.get(drop_id)
        return self._sharing.comments.add(drop.id, body, line_start=line_start, line_end=line_end, version=version,
                                          reply_to=reply_to, file=file, author=self.attribution[:200],
                                          principal=self.principal, reader=self._reader, preview=p,
                                          viewer=self.viewer)

    def resolve_comment(self, comment_id: int, *, resolved: bool = True) -> Comment:
        """Resolve (or reopen) a comment of this link's workflow."""
        p = self._allowed("comment")
        return self._sharing.comments.resolve(comment_id, resolved=resolved, by=self.attribution[:200],
                                              principal=self.principal, reader=self._reader, preview=p,
                                              viewer=self.viewer)

    def comments(self, drop_id: int | None = None, *, include_resolved: bool = True, include_outdated: bool = True,
                 limit: int = 200, after_id: int | None = None) -> CommentList:
        """The comments on this link's drops, oldest first; page with ``after_id``."""
        if drop_id is None and self.preview.drop_id is not None:
            drop_id = self.preview.drop_id  # a link to one drop shows that drop's comments only
        if drop_id is not None:
            self.get(drop_id)  # re-checks the link; NotFound outside it
        else:
            self._granted()
        return self._sharing.comments.list(self.workflow_id, drop_id, include_resolved=include_resolved,
                                           include_outdated=include_outdated, limit=limit, after_id=after_id,
                                           principal=self.principal, reader=self._reader)

    def watch(self, *, since: int | Position | None = None, timeout: float | None = None, poll: float = 0.25,
              stop: Any = None):
        """Changes to this link's workflow as they commit (``store.watch`` within the grant).

        The link is re-checked before every read: once it is revoked or expires the generator
        raises LinkRevoked / LinkExpired (a page turns read-only / closes).
        """
        self._granted()
        return self._reader.watch(self.workflow_id, since=since, timeout=timeout, poll=poll, stop=stop,
                                  check=lambda: self._sharing.previews._live_by_id(self.preview.id))

    def _granted(self):
        p = self._sharing.previews._live_by_id(self.preview.id)  # raises once expired/revoked
        require(self.principal, "read", p.workspace)
        q = sa.select(t.drops).where(t.drops.c.workspace == p.workspace, t.drops.c.workflow_id == p.workflow_id,
                                     t.drops.c.deleted_at.is_(None))
        if p.drop_id is not None:
            q = q.where(t.drops.c.id == p.drop_id)
        return q

    def _load(self, q: sa.Select) -> DropList:
        with self._store.reading() as conn:
            ids = [r.id for r in conn.execute(q.with_only_columns(t.drops.c.id))]
        return self._reader.get_many(ids)

    def __repr__(self) -> str:
        return f"<PreviewView preview={self.preview.id} workflow={self.workflow_id!r} in {self.workspace!r}>"


__all__ = ["Preview", "PreviewView", "Previews"]
