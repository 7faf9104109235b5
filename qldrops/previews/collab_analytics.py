"""Collaboration figures for the analytics dashboard, from the event rows (``store.events.frame``).

A *session* is everything that happened on one share link in one UTC day. It is
*multi-user* when two or more distinct visitors (``viewer_id``) were active in it.
Pure functions over a DataFrame (pandas; the frames are small: one row per link and day).
"""

from __future__ import annotations

from typing import Any

ACTIVE = ("view", "edit", "comment")


def collaboration(events) -> dict[str, Any]:
    """Four frames: ``sessions_per_day``, ``edits_per_session``, ``conversion``, ``share_to_first_edit``.

    * sessions_per_day: day, sessions, multi_user_sessions
    * edits_per_session: preview_id, day, visitors, edits, comments (one row per session)
    * conversion: preview_id, viewers, editors, conversion (editors / viewers, per link)
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
    viewers = ev[ev["event_type"] == "view"].groupby("preview_id")["viewer_id"].nunique().rename("viewers")
    editors = ev[ev["event_type"] == "edit"].groupby("preview_id")["viewer_id"].nunique().rename("editors")
    conv = pd.concat([viewers, editors], axis=1).fillna(0).astype("int64").reset_index()
    conv = conv.rename(columns={"index": "preview_id"})
    conv["conversion"] = [min(1.0, e / v) if v else 0.0 for v, e in zip(conv["viewers"], conv["editors"])]
    shared = ev[ev["event_type"] == "share"].groupby("preview_id").agg(
        workflow_id=("workflow_id", "first"), shared_at=("created_at", "min"))
    first_edit = ev[ev["event_type"] == "edit"].groupby("preview_id")["created_at"].min().rename("first_edit_at")
    ttfe = shared.join(first_edit, how="inner").reset_index()
    ttfe["seconds"] = (ttfe["first_edit_at"] - ttfe["shared_at"]).dt.total_seconds()
    return {"sessions_per_day": per_day.sort_values("day").reset_index(drop=True),
            "edits_per_session": sessions.sort_values(["day", "preview_id"]).reset_index(drop=True),
            "conversion": conv.sort_values("preview_id").reset_index(drop=True),
            "share_to_first_edit": ttfe[["preview_id", "workflow_id", "shared_at", "first_edit_at", "seconds"]]}


__all__ = ["collaboration"]
