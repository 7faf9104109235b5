"""Visitor-facing pages: instructions, never tracebacks.

Every error a visitor can meet is mapped to a short page that says what
happened and what to do next, with the HTTP status the error class carries
(``QldropsError.http_status``). Exception text is never echoed: library
messages are written for operators and may name files, URLs or commands.
Pages are self-contained (inline CSS), so they work offline and leak nothing
through sub-resource requests.
"""

from __future__ import annotations

import html
import math

from ..errors import (
    AccessDenied,
    DatabaseError,
    LinkExpired,
    LinkRevoked,
    NotFound,
    QldropsError,
    RateLimited,
)
from .admission import ServerBusy

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f6f7f9;color:#1f2328;"
    "margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}"
    "main{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:2rem 2.5rem;max-width:34rem}"
    "h1{font-size:1.4rem;margin:0 0 .8rem}p{line-height:1.5;margin:.5rem 0}"
    ".status{color:#656d76;font-size:.85rem;margin-top:1.4rem}"
)


def page(status: int, title: str, message: str, hint: str = "") -> str:
    """A complete HTML page; every argument is escaped."""
    esc = html.escape
    hint_html = f"<p>{esc(hint)}</p>" if hint else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='robots' content='noindex'><meta name='referrer' content='no-referrer'>"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{esc(title)}</h1><p>{esc(message)}</p>{hint_html}"
        f"<p class='status'>HTTP {status}</p></main></body></html>"
    )


def for_error(exc: BaseException) -> tuple[int, str]:
    """(status, page) for any exception; unknown ones become a generic 500."""
    status, title, message, hint = describe(exc)
    return status, page(status, title, message, hint)


def describe(exc: BaseException) -> tuple[int, str, str, str]:
    """(status, title, message, hint) written for a visitor, by exception class."""
    status = exc.http_status if isinstance(exc, QldropsError) else 500
    if isinstance(exc, LinkExpired):
        body = (
            "This link has expired",
            "Share links work for a limited time, and this one's time is up.",
            "Ask the person who shared it for a new link.",
        )
    elif isinstance(exc, LinkRevoked):
        body = (
            "This link was withdrawn",
            "The person who shared this link has revoked it.",
            "Ask them for a new link if you still need access.",
        )
    elif isinstance(exc, RateLimited):
        wait = max(1, math.ceil(exc.retry_after))
        body = (
            "Too many requests",
            "This link or your network has opened too many previews in a short time.",
            f"Wait {wait} seconds, then reload the page.",
        )
    elif isinstance(exc, ServerBusy):
        wait = max(1, math.ceil(exc.retry_after))
        body = (
            "Busy, retry in a moment",
            "Every preview this server can show at once is open right now, or this link or your "
            "network already has as many open as it may.",
            f"Close previews you no longer need, wait {wait} seconds, then reload the page.",
        )
    elif isinstance(exc, NotFound):
        body = (
            "This link does not exist",
            "No preview answers to this address.",
            "Check that you copied the whole link: a missing or extra character makes it invalid.",
        )
    elif isinstance(exc, AccessDenied):
        body = (
            "Access denied",
            "This preview cannot be opened with this link.",
            "Ask the person who shared it for a new link.",
        )
    elif isinstance(exc, DatabaseError):
        body = (
            "The preview service is unavailable",
            "The server cannot reach its database right now.",
            "Try again in a minute. If it keeps happening, tell the person who shared the link.",
        )
    elif status < 500:
        body = (
            "This request cannot be served",
            "The address or the request is not valid.",
            "Check the link and try again.",
        )
    else:
        body = (
            "Something went wrong",
            "The preview service hit an unexpected problem; it has been logged.",
            "Reload the page in a moment. If it keeps happening, tell the person who shared the link.",
        )
    return (status, *body)


def not_found() -> tuple[int, str]:
    return 404, page(
        404,
        "Page not found",
        "There is nothing at this address.",
        "Share links look like /p/ followed by a long code; check that you copied all of it.",
    )


def home() -> str:
    """What a person who opens the server's address sees (the health report is elsewhere, behind a token)."""
    return page(
        200,
        "qldrops previews",
        "This server shows the code that people share with you through preview links.",
        "Open the link you were given: it looks like this address followed by /p/ and a long code.",
    ).replace("<p class='status'>HTTP 200</p>", "")
