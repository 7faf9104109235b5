"""Analytics events: view, edit, execute, download, share.

Each row carries the user agent, client address, duration and free metadata,
plus ``viewer_id`` (a hash of client and user agent, or the actor) so that
unique viewers can be counted without a session table. An idempotency key
makes a retried event count once: the key is unique per workspace and a
second insert with it does nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import Conflict, NotFound, ValidationError
from ..store import schema as t
from ..store.db import insert_ignore
from ..store.models import Listing
from ..store.timeparse import parse_since
from .auth import Principal, principal_of, require

if TYPE_CHECKING:  # the component that owns this manager (it imports this module)
    from .sharing import Sharing

EVENT_TYPES = ("view", "edit", "execute", "download", "share", "suggestion", "comment")  # suggestion: accepted/dismissed
MAX_METADATA_BYTES = 16 * 1024
MAX_USER_AGENT = 512
EVENT_COLUMNS = ["id", "workspace", "preview_id", "workflow_id", "drop_id", "event_type", "actor", "viewer_id",
                 "user_agent", "client", "duration_ms", "metadata", "created_at"]


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    workspace: str
    event_type: str
    created_at: dt.datetime
    preview_id: int | None = None
    workflow_id: str | None = None
    drop_id: int | None = None
    actor: str | None = None
    viewer_id: str | None = None
    user_agent: str | None = None
    client: str | None = None
    duration_ms: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    duplicate: bool = False  # True when this call was a retry of an event already recorded

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def viewer_id(client: str | None, user_agent: str | None, actor: str | None) -> str | None:
    """A stable, non-reversible id for "the same viewer" (32 hex chars)."""
    if actor:
        basis = "actor:" + actor
    elif client or user_agent:
        basis = f"client:{client or ''}|{user_agent or ''}"
    else:
        return None
    return hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:32]


def _validate(event_type: str, duration_ms: Any, metadata: Any, client: Any, user_agent: Any,
              idempotency_key: Any) -> tuple[float | None, dict, str | None, str | None]:
    if event_type not in EVENT_TYPES:
        raise ValidationError(f"{event_type!r} is not an event type", hint="use one of: " + ", ".join(EVENT_TYPES))
    if duration_ms is not None:
        if isinstance(duration_ms, bool) or not isinstance(duration_ms, (int, float)) \
                or not math.isfinite(duration_ms) or duration_ms < 0:
            raise ValidationError(f"duration_ms must be a finite number >= 0, not {duration_ms!r}",
                                  hint="send the duration in milliseconds, e.g. 1250.0")
        duration_ms = float(duration_ms)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise ValidationError("metadata must be a dict", hint="pass metadata={'key': 'value'}")
    try:
        size = len(json.dumps(metadata, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise ValidationError(f"metadata is not JSON: {e}", hint="use strings, numbers, lists and dicts") from None
    if size > MAX_METADATA_BYTES:
        raise ValidationError(f"metadata is {size} bytes; at most {MAX_METADATA_BYTES}", hint="send less metadata")
    if client is not None and (not isinstance(client, str) or len(client) > 64):
        raise ValidationError("client must be an address of at most 64 characters", hint="pass request.remote_ip")
    if user_agent is not None:
        if not isinstance(user_agent, str):
            raise ValidationError("user_agent must be a string", hint="pass the User-Agent header")
        user_agent = user_agent[:MAX_USER_AGENT]  # browsers send what they like; keep enough to tell them apart
    if idempotency_key is not None and (not isinstance(idempotency_key, str) or not idempotency_key
                                        or len(idempotency_key) > 128):
        raise ValidationError("idempotency_key must be a non-empty string of at most 128 characters",
                              hint="use a UUID per logical event, reused on retry")
    return duration_ms, metadata, client, user_agent


def event_values(store: Any, preview: Any, event_type: str, *, now: dt.datetime, user_agent: str | None,
                 client: str | None, actor: str | None, idempotency_key: str | None, duration_ms: Any,
                 metadata: Any, drop_id: int | None, workspace: str | None = None,
                 workflow_id: str | None = None, viewer: str | None = None) -> dict[str, Any]:
    """The validated row for ``events`` (shared by ``open`` and ``record``).

    ``viewer``: the visitor's id from the view that opened the page (a visitor who types a name
    after opening stays one visitor across their view, edits and comments).
    """
    duration_ms, metadata, client, user_agent = _validate(event_type, duration_ms, metadata, client, user_agent,
                                                          idempotency_key)
    ws = preview.workspace if preview is not None else workspace
    return {
        "workspace": ws,
        "preview_id": preview.id if preview is not None else None,
        "workflow_id": preview.workflow_id if preview is not None else workflow_id,
        "drop_id": drop_id,
        "event_type": event_type,
        "actor": actor,
        "viewer_id": viewer or viewer_id(client, user_agent, actor),
        "user_agent": user_agent,
        "client": client,
        "duration_ms": duration_ms,
        "metadata": metadata,
        # Scoped by workspace so that one tenant's keys can never swallow another's events.
        "idempotency_key": f"{ws}:{idempotency_key}" if idempotency_key is not None else None,
        "created_at": now,
    }


def _event(row, duplicate: bool = False) -> Event:
    key = row.idempotency_key.split(":", 1)[1] if row.idempotency_key else None
    return Event(id=row.id, workspace=row.workspace, event_type=row.event_type, created_at=row.created_at,
                 preview_id=row.preview_id, workflow_id=row.workflow_id, drop_id=row.drop_id, actor=row.actor,
                 viewer_id=row.viewer_id, user_agent=row.user_agent, client=row.client,
                 duration_ms=row.duration_ms, metadata=row.metadata or {}, idempotency_key=key,
                 duplicate=duplicate)


def insert_event(dialect: str, values: dict[str, Any]) -> Any:
    """Insert an event unless its idempotency key exists; ``.first()`` of the result is None then."""
    return (insert_ignore(dialect, t.events, index_elements=["idempotency_key"]).values(**values)
            .returning(t.events.c.id))


def _outcome(metadata: Any) -> str | None:
    """The status a run recorded in its event's metadata (None: not a run, or none recorded)."""
    status = metadata.get("status") if isinstance(metadata, dict) else None
    return status if isinstance(status, str) else None


class Events:
    """``store.events``: record and list analytics events."""

    def __init__(self, sharing: Sharing, principal: Principal | None = None):
        self._sharing = sharing
        self._store = sharing.drops
        self._as = principal  # a PreviewView records as its link principal

    @property
    def _principal(self) -> Principal:
        return self._as or principal_of(self._store)

    def record(self, preview_id: int | None, event_type: str, *, duration_ms: float | None = None,
               idempotency_key: str | None = None, user_agent: str | None = None, client: str | None = None,
               metadata: dict | None = None, actor: str | None = None, drop_id: int | None = None,
               workflow_id: str | None = None) -> Event:
        """Record one event on a preview (or, with ``preview_id=None``, on ``workflow_id``).

        A second call with the same ``idempotency_key`` returns the first event
        (``duplicate=True``) and counts nothing; the same key for a different
        event is a :class:`Conflict`.
        """
        p = self._principal
        preview = None
        if preview_id is not None:
            preview = self._sharing.previews._raw_row(preview_id) if isinstance(preview_id, int) \
                and not isinstance(preview_id, bool) else None
            if preview is None or (p.kind != "local" and p.workspace != preview.workspace) \
                    or (p.kind == "link" and p.preview_id != preview.id):
                raise NotFound(f"no preview {preview_id!r} here", hint="see `qldrops preview list`")
            ws = preview.workspace
        else:
            if not workflow_id:
                raise ValidationError("pass a preview_id or a workflow_id", hint="events belong to a link or a workflow")
            ws = p.workspace or self._store.workspace
        require(p, "events.record", ws, store=self._store)
        if actor is None and p.kind == "user":
            actor = p.actor
        now = self._store.now()
        values = event_values(self._store, preview, event_type, now=now, user_agent=user_agent, client=client,
                              actor=actor, idempotency_key=idempotency_key, duration_ms=duration_ms,
                              metadata=metadata, drop_id=drop_id, workspace=ws, workflow_id=workflow_id)
        with self._store.transaction(durable=False) as conn:
            if idempotency_key is None:
                eid = conn.execute(t.events.insert().values(**values).returning(t.events.c.id)).scalar_one()
                return Event(id=eid, **{k: v for k, v in values.items() if k in Event.__slots__})
            inserted = conn.execute(insert_event(self._store.dialect, values)).first() is not None
            row = conn.execute(sa.select(t.events).where(t.events.c.idempotency_key == values["idempotency_key"])).one()
        if inserted:
            return _event(row)
        if (row.preview_id, row.event_type, row.workflow_id) != (values["preview_id"], event_type,
                                                                 values["workflow_id"]):
            raise Conflict(f"idempotency key {idempotency_key!r} was already used for another event "
                           f"({row.event_type} on preview {row.preview_id})",
                           hint="use a fresh key per logical event and reuse it only to retry that event")
        return _event(row, duplicate=True)

    def list(self, *, preview_id: int | None = None, event_type: str | None = None, since: Any = None,
             workspace: str | None = None, limit: int | None = 1000):
        p = self._principal
        ws = workspace or p.workspace or self._store.workspace
        require(p, "analytics.read", ws, store=self._store)
        q = sa.select(t.events).where(t.events.c.workspace == ws).order_by(t.events.c.id.desc())
        if preview_id is not None:
            q = q.where(t.events.c.preview_id == preview_id)
        if event_type is not None:
            q = q.where(t.events.c.event_type == event_type)
        if since is not None:
            q = q.where(t.events.c.created_at >= parse_since(since, self._store.now()))
        if limit is not None:
            q = q.limit(int(limit))
        with self._store.reading() as conn:
            rows = conn.execute(q).all()
        return Listing([_event(r) for r in rows], columns=EVENT_COLUMNS)

    def frame(self, *, since: dt.datetime, until: dt.datetime | None = None, workspace: str | None = None):
        """The raw event rows of one workspace as a pandas DataFrame (what analytics computes over).

        Columns: id, preview_id, workflow_id, drop_id, event_type, actor, viewer_id, client,
        duration_ms, created_at and ``outcome`` (an execute event's ``metadata["status"]``, else None).

        Read with the driver, not row objects: one million events are fetched as
        plain tuples (no per-row ORM/type processing) and converted column-wise.
        """
        import pandas as pd

        p = self._principal
        ws = workspace or p.workspace or self._store.workspace
        require(p, "analytics.read", ws, store=self._store)
        c = t.events.c
        cols = [c.id, c.preview_id, c.workflow_id, c.drop_id, c.event_type, c.actor, c.viewer_id, c.client,
                c.duration_ms, c.created_at]
        q = sa.select(*cols).where(c.workspace == ws, c.created_at >= since)
        if until is not None:
            q = q.where(c.created_at < until)
        with self._store.reading() as conn:
            result = conn.execute(q)
            rows = result.fetchall()
            # A run's outcome (metadata.status) for the few execute events: JSON is read per row.
            outcomes = dict(conn.execute(q.where(c.event_type == "execute").with_only_columns(c.id, c.metadata)).all())
        names = [col.name for col in cols]
        frame = pd.DataFrame.from_records(rows, columns=names)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        frame["duration_ms"] = frame["duration_ms"].astype("float64")
        status = {i: _outcome(m) for i, m in outcomes.items()}
        frame["outcome"] = frame["id"].map(status).astype(object).where(frame["id"].isin(status), None)
        return frame
