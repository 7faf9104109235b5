"""Collaboration figures for the analytics dashboard, from the event rows (``store.events.frame``).

A *session* is everything that happened on one share link in one UTC day. It is
*multi-user* when two or more distinct visitors (``viewer_id``) were active in it.
Pure functions over a DataFrame (pandas; the frames are small: one row per link and day).

:func:`headline` reduces the frames to the four figures the analytics page shows; a figure
without data is ``None`` (the page says "not measured"), never a zero pretending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ACTIVE = ("view", "edit", "comment")


def collaboration(events, access: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Four frames: ``sessions_per_day``, ``edits_per_session``, ``conversion``, ``share_to_first_edit``.

    * sessions_per_day: day, sessions, multi_user_sessions
    * edits_per_session: preview_id, day, visitors, edits, comments (one row per session)
    * conversion: preview_id, access, viewers, editors, conversion (editors / viewers, per link)

    ``access`` maps a link id to its access level (view, comment, edit); unknown links say None.
    * share_to_first_edit: preview_id, workflow_id, shared_at, first_edit_at, seconds
    """
    import pandas as pd

    ev = events[events["preview_id"].notna()].copy()
    ev["created_at"] = pd.to_datetime(ev["created_at"], utc=True)
    ev["day"] = ev["created_at"].dt.date
    ev["preview_id"] = ev["preview_id"].astype("int64")
    active = ev[ev["event_type"].isin(ACTIVE)]
    sessions = (active.groupby(["preview_id", "day"])
                .agg(visitors=("viewer_id", "nunique"),
                     edits=("event_type", lambda s: int((s == "edit").sum())),
                     comments=("event_type", lambda s: int((s == "comment").sum())))
                .reset_index())
    if sessions.empty:
        sessions = pd.DataFrame({"preview_id": pd.Series(dtype="int64"), "day": pd.Series(dtype=object),
                                 "visitors": pd.Series(dtype="int64"), "edits": pd.Series(dtype="int64"),
                                 "comments": pd.Series(dtype="int64")})
    per_day = (sessions.assign(multi=sessions["visitors"] >= 2).groupby("day")
               .agg(sessions=("preview_id", "size"), multi_user_sessions=("multi", "sum")).reset_index())
    per_day["multi_user_sessions"] = per_day["multi_user_sessions"].astype("int64")
    viewers = ev[ev["event_type"] == "view"].groupby("preview_id")["viewer_id"].nunique()
    editors = ev[ev["event_type"] == "edit"].groupby("preview_id")["viewer_id"].nunique()
    ids = sorted(set(viewers.index) | set(editors.index))
    conv = pd.DataFrame({"preview_id": pd.Series(ids, dtype="int64"),
                         "access": pd.Series([(access or {}).get(int(i)) for i in ids], dtype=object),
                         "viewers": pd.Series([int(viewers.get(i, 0)) for i in ids], dtype="int64"),
                         "editors": pd.Series([int(editors.get(i, 0)) for i in ids], dtype="int64")})
    conv["conversion"] = pd.Series([min(1.0, e / v) if v else 0.0 for v, e in zip(conv["viewers"], conv["editors"])],
                                   dtype="float64")
    shared = ev[ev["event_type"] == "share"].groupby("preview_id").agg(
        workflow_id=("workflow_id", "first"), shared_at=("created_at", "min"))
    first_edit = ev[ev["event_type"] == "edit"].groupby("preview_id")["created_at"].min().rename("first_edit_at")
    ttfe = shared.join(first_edit, how="inner").reset_index()
    ttfe["seconds"] = (ttfe["first_edit_at"] - ttfe["shared_at"]).dt.total_seconds() if len(ttfe) else \
        pd.Series(dtype="float64")
    return {"sessions_per_day": per_day.sort_values("day").reset_index(drop=True),
            "edits_per_session": sessions.sort_values(["day", "preview_id"]).reset_index(drop=True),
            "conversion": conv.sort_values("preview_id").reset_index(drop=True),
            "share_to_first_edit": ttfe[["preview_id", "workflow_id", "shared_at", "first_edit_at", "seconds"]]}


@dataclass(frozen=True)
class Headline:
    """The four collaboration figures of the analytics page (None: nothing to measure it on)."""

    sessions: int                      # link-days with a view, edit or comment
    multi_user_sessions: int           # of them, with two or more visitors
    collaborative_sessions: int        # sessions of comment and edit links (where collaboration could happen)
    edits_per_session: float | None    # mean edits per session of an edit link
    conversion: float | None           # distinct editors / distinct viewers, over edit links
    edit_link_viewers: int
    edit_link_editors: int
    share_to_first_edit_s: float | None  # median seconds from sharing an edit link to its first edit
    first_edits: int                   # links the median is over

    @property
    def any(self) -> bool:
        """Whether anything collaborative happened (a comment or edit link used, or an edit)."""
        return self.collaborative_sessions > 0 or self.first_edits > 0


COLLABORATIVE = ("comment", "edit")


def headline(frames: Mapping[str, Any]) -> Headline:
    """The page's figures from :func:`collaboration`'s frames (``access`` known per link).

    Links whose access is unknown (no ``access`` given) count as edit links when they were edited.
    """
    sessions, conv, ttfe = frames["edits_per_session"], frames["conversion"], frames["share_to_first_edit"]
    access = dict(zip(conv["preview_id"], conv["access"], strict=True))
    edited = set(conv.loc[conv["editors"] > 0, "preview_id"])

    def kind(pid: int) -> str | None:
        a = access.get(pid)
        return a if a is not None else ("edit" if pid in edited else None)

    links = [kind(int(p)) for p in sessions["preview_id"]]
    on_edit = sessions.loc[sessions.index[[k == "edit" for k in links]]]
    collaborative = sum(1 for k in links if k in COLLABORATIVE)
    edit_conv = conv.loc[conv.index[[kind(int(p)) == "edit" for p in conv["preview_id"]]]]
    viewers, editors = int(edit_conv["viewers"].sum()), int(edit_conv["editors"].sum())
    ttfe = ttfe.loc[ttfe.index[[kind(int(p)) == "edit" for p in ttfe["preview_id"]]]]
    return Headline(
        sessions=len(sessions),
        multi_user_sessions=int((sessions["visitors"] >= 2).sum()),
        collaborative_sessions=collaborative,
        edits_per_session=float(on_edit["edits"].mean()) if len(on_edit) else None,
        conversion=min(1.0, editors / viewers) if viewers else None,
        edit_link_viewers=viewers,
        edit_link_editors=editors,
        share_to_first_edit_s=float(ttfe["seconds"].median()) if len(ttfe) else None,
        first_edits=len(ttfe),
    )


__all__ = ["Headline", "collaboration", "headline"]
