"""Who is calling, and may they do this here?

Three kinds of caller (:class:`Principal`):

* ``local``: a process that connected with the database URL and no token (an
  analyst's notebook, a batch script, the CLI on the server). It already holds
  the database credentials, so it is trusted like a platform admin; its writes
  are still audited.
* ``user``: a caller who presented an API token (``qldrops.connect(url,
  token=...)``); bound to one workspace with one role (viewer < editor < admin).
* ``link``: an anonymous visitor holding a live share link; it may read one
  workflow in one workspace and record events on that link, nothing else.

:func:`require` is the one check every package calls before it reads or
writes; it raises :class:`~qldrops.errors.AccessDenied` with advice. Denials
and privileged grants land in the ``audit_log`` table (:func:`audit`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from ..errors import AccessDenied, ConfigurationError
from ..store import schema as t
from ..store.core import DropStore
from .capability import is_well_formed_token, mask, secret_hash

log = logging.getLogger(__name__)

ROLES = ("viewer", "editor", "admin")
_RANK = {r: i for i, r in enumerate(ROLES)}

# action -> least role that may do it. "local" is the trusted local process only.
ACTIONS: dict[str, str] = {
    "read": "viewer",             # drops, history, search, similar, analysis results
    "events.record": "viewer",    # analytics events (views, downloads, ...)
    "comment": "viewer",          # line comments: add, reply, resolve
    "analytics.read": "viewer",
    "preview.list": "viewer",
    "token.issue.self": "viewer",  # any user may mint a token for themselves
    "token.revoke.self": "viewer",
    "write": "editor",            # put, update, rollback, fork, restore
    "delete": "editor",           # soft delete
    "execute": "editor",          # sandboxed runs
    "preview.create": "editor",
    "preview.revoke": "editor",
    "preview.extend": "editor",
    "purge": "admin",             # irreversible
    "admin": "admin",             # the store core's name for purge and other admin-only calls
    "user.create": "admin",
    "user.update": "admin",
    "user.list": "admin",
    "token.issue": "admin",       # for another user
    "token.revoke": "admin",
    "token.list": "admin",
    "audit.read": "admin",
    "workspace.create": "local",
}
# What a share-link visitor may do (always within its own workspace and workflow), by the link's access.
LINK_ACTIONS = frozenset({"read", "events.record"})
ACCESS_LEVELS = ("view", "comment", "edit")
LINK_ACCESS_ACTIONS: dict[str, frozenset[str]] = {
    "view": LINK_ACTIONS,
    "comment": LINK_ACTIONS | {"comment"},
    "edit": LINK_ACTIONS | {"comment", "write"},
}
# Grants worth an audit row even when allowed (reads would drown the log).
AUDITED_GRANTS = frozenset(a for a, r in ACTIONS.items() if r in ("editor", "admin", "local")) - {"write"}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a library function. Immutable; built by :func:`authenticate` or the factories."""

    kind: Literal["local", "user", "link"]
    workspace: str | None
    role: str = "viewer"
    name: str | None = None
    user_id: int | None = None
    token_id: int | None = None
    preview_id: int | None = None
    workflow_id: str | None = None
    access: str = "view"  # a link's access level: view | comment | edit

    @classmethod
    def local(cls, workspace: str | None = None) -> Principal:
        return cls(kind="local", workspace=workspace, role="admin", name="local")

    @classmethod
    def link(cls, *, workspace: str, preview_id: int, workflow_id: str, access: str = "view",
             name: str | None = None) -> Principal:
        """A link's visitor; ``name`` is how they are attributed (default ``link:<id>``)."""
        return cls(kind="link", workspace=workspace, role="viewer", name=name or f"link:{preview_id}",
                   preview_id=preview_id, workflow_id=workflow_id, access=access)

    @property
    def actor(self) -> str:
        """How this caller is written in created_by / audit_log.actor."""
        if self.kind == "user":
            return self.name or f"user:{self.user_id}"
        return self.name or self.kind

    def can(self, action: str, workspace: str | None) -> bool:
        try:
            _check(self, action, workspace)
        except AccessDenied:
            return False
        return True

    def __repr__(self) -> str:
        where = self.workspace or "*"
        extra = f" workflow={self.workflow_id!r}" if self.kind == "link" else ""
        return f"<Principal {self.kind} {self.actor!r} {self.role} in {where!r}{extra}>"


def principal_of(store: DropStore) -> Principal:
    """The caller a store acts for: ``store.principal`` once a token was presented, else local."""
    p = store.principal
    return p if isinstance(p, Principal) else Principal.local(store.workspace)


def _check(principal: Principal, action: str, workspace: str | None) -> None:
    if action not in ACTIONS:
        raise ConfigurationError(f"unknown action {action!r}",
                                 hint="use one of: " + ", ".join(sorted(ACTIONS)))
    need = ACTIONS[action]
    if principal.kind == "local":
        return
    if need == "local":
        raise AccessDenied(f"{principal.actor} may not {action}: only a local connection (with the "
                           "database URL, no token) may",
                           hint="ask the platform operator to run it, e.g. `qldrops workspace create NAME`")
    if workspace is None or principal.workspace != workspace:
        raise AccessDenied(
            f"{principal.actor} belongs to workspace {principal.workspace!r}, not {workspace!r}",
            hint=f"connect with a token issued in {workspace!r} (ask one of its admins: "
                 f"`qldrops token issue USER --workspace {workspace}`)",
        )
    if principal.kind == "link":
        if action not in LINK_ACCESS_ACTIONS.get(principal.access, LINK_ACTIONS):
            what = {"view": "view", "comment": "view and comment"}.get(principal.access, principal.access)
            raise AccessDenied(f"this share link only lets you {what}; {action!r} is not allowed",
                               hint="ask the link's owner for a comment or edit link, or sign in with an API "
                                    "token of this workspace")
        return
    if _RANK.get(principal.role, -1) < _RANK[need]:
        raise AccessDenied(
            f"{principal.actor} is a {principal.role} in {workspace!r}; {action!r} needs the {need} role",
            hint=f"ask an admin of {workspace!r} to run `qldrops user role {principal.actor} {need} "
                 f"--workspace {workspace}`",
        )


def require(principal: Principal, action: str, workspace: str | None, *, store: DropStore | None = None,
            target: str | None = None) -> Principal:
    """Raise :class:`AccessDenied` unless ``principal`` may do ``action`` in ``workspace``.

    Pass ``store`` to write an audit row: always for a denial, and for grants of
    privileged actions (see ``AUDITED_GRANTS``) by non-local callers. Call it
    *before* opening your write transaction (the audit row needs its own short
    one, and SQLite allows one writer at a time). Returns the principal so it
    chains: ``p = require(store.principal, "write", ws)``.
    """
    try:
        _check(principal, action, workspace)
    except AccessDenied as e:
        if store is not None:
            audit(store, principal, action, workspace, allowed=False, target=target, detail={"reason": e.message})
        log.info("denied %s %s in %s: %s", principal.actor, action, workspace, e.message)
        raise
    if store is not None and action in AUDITED_GRANTS and principal.kind != "local":
        audit(store, principal, action, workspace, allowed=True, target=target)
    return principal


def audit(store: DropStore, principal: Principal | None, action: str, workspace: str | None, *, allowed: bool,
          target: str | None = None, detail: dict | None = None, conn: Any = None) -> None:
    """Append one row to ``audit_log`` (in ``conn``'s transaction if given, else its own)."""
    row = {
        "workspace": workspace,
        "actor": principal.actor if principal else None,
        "action": action[:64],
        "target": target,
        "allowed": allowed,
        "detail": {**(detail or {}), **({"kind": principal.kind} if principal else {})},
        "created_at": store.now(),
    }
    if conn is not None:
        conn.execute(t.audit_log.insert().values(**row))
        return
    with store.transaction() as c:
        c.execute(t.audit_log.insert().values(**row))


def authenticate(store: DropStore, token: str) -> Principal:
    """The :class:`Principal` an API token stands for, or :class:`AccessDenied`.

    A malformed token is refused without touching the database. Revoked,
    expired, unknown tokens and tokens of disabled users are refused with a
    message that says which, so that an honest user knows what to fix (the
    token's holder learns nothing a guesser could use: all four need a valid
    256-bit secret to even be told apart from "unknown").
    """
    if not is_well_formed_token(token):
        raise AccessDenied("that is not a qldrops API token (expected qld_ followed by 43 characters)",
                           hint="copy the whole token printed by `qldrops token issue`")
    now = store.now()
    q = (sa.select(t.api_tokens.c.id, t.api_tokens.c.expires_at, t.api_tokens.c.revoked_at,
                   t.api_tokens.c.last_used_at, t.users.c.id.label("user_id"), t.users.c.name,
                   t.users.c.workspace, t.users.c.role, t.users.c.disabled_at)
         .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
         .where(t.api_tokens.c.token_hash == secret_hash(token)))
    with store.engine.connect() as conn:
        row = conn.execute(q).first()
    hint = "ask an admin for a new token (`qldrops token issue USER`)"
    if row is None:
        raise AccessDenied("unknown API token", hint=hint)
    denied = None
    if row.revoked_at is not None:
        denied = f"API token {mask(token)} was revoked"
    elif row.expires_at is not None and row.expires_at <= now:
        denied = f"API token {mask(token)} expired at {row.expires_at:%Y-%m-%d %H:%M} UTC"
    elif row.disabled_at is not None:
        denied = f"user {row.name!r} is disabled"
    principal = Principal(kind="user", workspace=row.workspace, role=row.role, name=row.name,
                          user_id=row.user_id, token_id=row.id)
    if denied:
        audit(store, principal, "authenticate", row.workspace, allowed=False, target=f"token:{row.id}",
              detail={"reason": denied})
        raise AccessDenied(denied, hint=hint)
    # last_used_at at minute resolution: one write per token per minute, not per call.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= 60:
        with store.transaction() as conn:
            conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == row.id).values(last_used_at=now))
    return principal
