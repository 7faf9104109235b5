"""Workspaces, users (with roles) and API tokens (stored as SHA-256 only).

Managers hang off the store (``store.workspaces``, ``store.users``,
``store.tokens``) and check the caller (``store.principal``) with
:func:`~qldrops.previews.auth.require` before they touch a row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import Conflict, NotFound, ValidationError
from ..store import schema as t
from ..store.models import Listing
from ..store.timeparse import parse_duration
from .auth import ROLES, Principal, audit, principal_of, require
from .capability import is_well_formed_token, new_api_token, secret_hash

if TYPE_CHECKING:  # the component that owns this manager (it imports this module)
    from .sharing import Sharing

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,199}$")
MAX_TOKEN_TTL = dt.timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    created_at: dt.datetime

    @property
    def name(self) -> str:
        return self.id

    def __str__(self) -> str:
        return self.id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    workspace: str
    name: str
    role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the secret, only its first characters."""

    id: int
    user_id: int
    user: str
    workspace: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def workspace_name(ws: Workspace | str | None, default: str | None) -> str:
    if ws is None:
        if default is None:
            raise ValidationError("no workspace given", hint="pass workspace=...")
        return default
    name = ws.id if isinstance(ws, Workspace) else ws
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValidationError(f"{name!r} is not a valid workspace name",
                              hint="use 1-64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")
    return name


def _listing(items, columns):
    return Listing(items, columns=columns)


class _Manager:
    def __init__(self, sharing: Sharing):
        self._sharing = sharing
        self._store = sharing.drops

    @property
    def _principal(self) -> Principal:
        return principal_of(self._store)

    def _default_ws(self) -> str:
        return self._principal.workspace or self._store.workspace


class Workspaces(_Manager):
    """``store.workspaces``: create and list workspaces (creation is for local connections)."""

    def create(self, name: str) -> Workspace:
        name = workspace_name(name, None)
        require(self._principal, "workspace.create", name, store=self._store, target=f"workspace:{name}")
        now = self._store.now()
        with self._store.transaction() as conn:
            if conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.id == name)).first():
                raise Conflict(f"workspace {name!r} already exists", hint="pick another name or use it")
            conn.execute(t.workspaces.insert().values(id=name, created_at=now))
            audit(self._store, self._principal, "workspace.create", name, allowed=True,
                  target=f"workspace:{name}", conn=conn)
        return Workspace(id=name, created_at=now)

    def get(self, name: Workspace | str) -> Workspace:
        name = workspace_name(name, None)
        if self._principal.kind != "local" and self._principal.workspace != name:
            require(self._principal, "read", name, store=self._store)
        with self._store.reading() as conn:
            row = conn.execute(sa.select(t.workspaces).where(t.workspaces.c.id == name)).first()
        if row is None:
            raise NotFound(f"no workspace {name!r}", hint="list them with `qldrops workspace list`")
        return Workspace(id=row.id, created_at=row.created_at)

    def list(self):
        """All workspaces for a local connection; only its own for a token holder."""
        q = sa.select(t.workspaces).order_by(t.workspaces.c.id)
        if self._principal.kind != "local":
            q = q.where(t.workspaces.c.id == self._principal.workspace)
        with self._store.reading() as conn:
            rows = conn.execute(q).all()
        return _listing([Workspace(id=r.id, created_at=r.created_at) for r in rows], ["id", "created_at"])

    def ensure(self, name: str) -> Workspace:
        """The workspace, created if missing (local connections; used by ``users.create``)."""
        try:
            return self.get(name)
        except NotFound:
            return self.create(name)


class Users(_Manager):
    """``store.users``: members of a workspace and their roles (admin only, or local)."""

    def create(self, name: str, *, workspace: Workspace | str | None = None, role: str = "viewer") -> User:
        ws = workspace_name(workspace, self._default_ws())
        if not isinstance(name, str) or not _USER_RE.match(name):
            raise ValidationError(f"{name!r} is not a valid user name",
                                  hint="use letters, digits and . _ @ + - (at most 200 characters)")
        _check_role(role)
        require(self._principal, "user.create", ws, store=self._store, target=f"user:{name}")
        now = self._store.now()
        with self._store.transaction() as conn:
            if not conn.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.id == ws)).first():
                raise NotFound(f"no workspace {ws!r}", hint=f"create it first: `qldrops workspace create {ws}`")
            if conn.execute(sa.select(t.users.c.id).where(t.users.c.workspace == ws, t.users.c.name == name)).first():
                raise Conflict(f"user {name!r} already exists in {ws!r}", hint="pick another name")
            uid = conn.execute(t.users.insert().values(workspace=ws, name=name, role=role, created_at=now)
                               .returning(t.users.c.id)).scalar_one()
            audit(self._store, self._principal, "user.create", ws, allowed=True, target=f"user:{name}",
                  detail={"role": role}, conn=conn)
        return User(id=uid, workspace=ws, name=name, role=role, created_at=now)

    def get(self, user: User | str | int, *, workspace: Workspace | str | None = None) -> User:
        q = sa.select(t.users)
        if isinstance(user, User):
            q = q.where(t.users.c.id == user.id)
        elif isinstance(user, int) and not isinstance(user, bool):
            q = q.where(t.users.c.id == user)
        elif isinstance(user, str):
            q = q.where(t.users.c.name == user, t.users.c.workspace == workspace_name(workspace, self._default_ws()))
        else:
            raise ValidationError(f"{user!r} is not a user", hint="pass a User, a user id or a name")
        with self._store.reading() as conn:
            row = conn.execute(q).first()
        p = self._principal
        if row is None or (p.kind != "local" and p.workspace != row.workspace):
            # Same answer for "absent" and "elsewhere": a token holder cannot probe other workspaces.
            raise NotFound(f"no user {getattr(user, 'name', user)!r} here", hint="list them with `qldrops user list`")
        if p.kind != "local" and p.user_id != row.id:
            require(p, "user.list", row.workspace, store=self._store)
        return _user(row)

    def list(self, *, workspace: Workspace | str | None = None):
        ws = workspace_name(workspace, self._default_ws())
        require(self._principal, "user.list", ws, store=self._store)
        with self._store.reading() as conn:
            rows = conn.execute(sa.select(t.users).where(t.users.c.workspace == ws).order_by(t.users.c.id)).all()
        return _listing([_user(r) for r in rows], ["id", "workspace", "name", "role", "created_at", "disabled_at"])

    def set_role(self, user: User | str | int, role: str, *, workspace: Workspace | str | None = None) -> User:
        _check_role(role)
        return self._update(user, workspace, "user.update", role=role)

    def disable(self, user: User | str | int, *, workspace: Workspace | str | None = None) -> User:
        """Disable a user: their tokens stop working at once (rows are kept for the audit trail)."""
        return self._update(user, workspace, "user.update", disabled_at=self._store.now())

    def _update(self, user, workspace, action: str, **values) -> User:
        u = self.get(user, workspace=workspace)
        require(self._principal, action, u.workspace, store=self._store, target=f"user:{u.name}")
        with self._store.transaction() as conn:
            conn.execute(t.users.update().where(t.users.c.id == u.id).values(**values))
            audit(self._store, self._principal, action, u.workspace, allowed=True, target=f"user:{u.name}",
                  detail={k: str(v) for k, v in values.items()}, conn=conn)
        return self.get(u.id)


class Tokens(_Manager):
    """``store.tokens``: API tokens. The secret is returned once by :meth:`issue`; only its hash is kept."""

    def issue(self, user: User | str | int, *, ttl: Any = None,
              workspace: Workspace | str | None = None) -> str:
        u = self._users().get(user, workspace=workspace)
        own = self._principal.kind == "user" and self._principal.user_id == u.id
        require(self._principal, "token.issue.self" if own else "token.issue", u.workspace, store=self._store,
                target=f"user:{u.name}")
        if u.disabled_at is not None:
            raise ValidationError(f"user {u.name!r} is disabled", hint="enable the user or pick another one")
        now = self._store.now()
        expires = now + parse_duration(ttl, what="token ttl", maximum=MAX_TOKEN_TTL) if ttl is not None else None
        token = new_api_token()
        with self._store.transaction() as conn:
            tid = conn.execute(t.api_tokens.insert().values(
                user_id=u.id, token_hash=secret_hash(token), prefix=token[:12], created_at=now,
                expires_at=expires).returning(t.api_tokens.c.id)).scalar_one()
            audit(self._store, self._principal, "token.issue", u.workspace, allowed=True,
                  target=f"token:{tid}", detail={"user": u.name}, conn=conn)
        return token

    def list(self, *, user: User | str | int | None = None, workspace: Workspace | str | None = None,
             include_revoked: bool = False):
        p = self._principal
        q = (sa.select(t.api_tokens, t.users.c.name, t.users.c.workspace)
             .join(t.users, t.users.c.id == t.api_tokens.c.user_id).order_by(t.api_tokens.c.id))
        if user is not None:
            u = self._users().get(user, workspace=workspace)
            own = p.kind == "user" and p.user_id == u.id
            require(p, "token.issue.self" if own else "token.list", u.workspace, store=self._store)
            q = q.where(t.users.c.id == u.id)
        else:
            ws = workspace_name(workspace, self._default_ws())
            require(p, "token.list", ws, store=self._store)
            q = q.where(t.users.c.workspace == ws)
        if not include_revoked:
            q = q.where(t.api_tokens.c.revoked_at.is_(None))
        with self._store.reading() as conn:
            rows = conn.execute(q).all()
        items = [TokenInfo(id=r.id, user_id=r.user_id, user=r.name, workspace=r.workspace, prefix=r.prefix,
                           created_at=r.created_at, expires_at=r.expires_at, revoked_at=r.revoked_at,
                           last_used_at=r.last_used_at) for r in rows]
        return _listing(items, ["id", "user", "workspace", "prefix", "created_at", "expires_at", "revoked_at",
                                "last_used_at"])

    def revoke(self, token: str | int) -> TokenInfo:
        """Revoke by id or by the token string itself. Revoking twice keeps the first time."""
        q = (sa.select(t.api_tokens, t.users.c.name, t.users.c.workspace)
             .join(t.users, t.users.c.id == t.api_tokens.c.user_id))
        if isinstance(token, int) and not isinstance(token, bool):
            q = q.where(t.api_tokens.c.id == token)
        elif is_well_formed_token(token):
            q = q.where(t.api_tokens.c.token_hash == secret_hash(token))
        else:
            raise ValidationError("pass a token id or the whole token string",
                                  hint="see the ids with `qldrops token list`")
        with self._store.reading() as conn:
            row = conn.execute(q).first()
        p = self._principal
        if row is None or (p.kind != "local" and p.workspace != row.workspace):
            raise NotFound("no such token here", hint="see the ids with `qldrops token list`")
        own = p.kind == "user" and p.user_id == row.user_id
        require(p, "token.revoke.self" if own else "token.revoke", row.workspace, store=self._store,
                target=f"token:{row.id}")
        now = self._store.now()
        with self._store.transaction() as conn:
            conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == row.id,
                                                      t.api_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
            audit(self._store, p, "token.revoke", row.workspace, allowed=True, target=f"token:{row.id}", conn=conn)
        return TokenInfo(id=row.id, user_id=row.user_id, user=row.name, workspace=row.workspace,
                         prefix=row.prefix, created_at=row.created_at, expires_at=row.expires_at,
                         revoked_at=row.revoked_at or now, last_used_at=row.last_used_at)

    def _users(self) -> Users:
        return self._sharing.users


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"{role!r} is not a role", hint="use viewer, editor or admin")


def _user(row) -> User:
    return User(id=row.id, workspace=row.workspace, name=row.name, role=row.role, created_at=row.created_at,
                disabled_at=row.disabled_at)
