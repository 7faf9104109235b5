"""Security headers on every response, and instruction pages for Voila's static routes.

:class:`SecurityHeaders` is a Tornado output transform, so it covers every
response the server sends: our handlers, Voila's and jupyter_server's (static
files, kernel API, websockets), 404s, and Tornado's own error pages, which a
per-handler ``set_default_headers`` would miss.

The Content-Security-Policy is what the dashboards need and no more: every
script, style, font and connection comes from this server (plotly and the
widget manager are served from the installed packages, never a CDN). Voila's
page needs inline scripts (its configuration and loader) and plotly's
figures are inline too, hence ``'unsafe-inline'``; ``'unsafe-eval'`` is not
granted. Pages may be framed only by this origin.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from tornado import httputil
from tornado.web import HTTPError, OutputTransform, StaticFileHandler
from voila.static_file_handler import TemplateStaticFileHandler

from . import pages

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders(OutputTransform):
    """Sets :data:`SECURITY_HEADERS` on every response (replacing jupyter_server's weaker CSP)."""

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        super().__init__(request)

    def transform_first_chunk(
        self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, httputil.HTTPHeaders, bytes]:
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        return status_code, headers, chunk


# <template>/static/<file path>: names made of ordinary characters, no empty, "." or ".." segment
_TEMPLATE_PATH = re.compile(r"^[A-Za-z0-9_-]+/static/(?:[A-Za-z0-9_.@+-]+/)*[A-Za-z0-9_.@+-]+$")


def template_path_ok(path: str) -> bool:
    """True for a well-formed ``<template>/static/<file>`` path (after URL decoding)."""
    decoded = unquote(path)
    if not _TEMPLATE_PATH.match(decoded):
        return False
    return all(part not in ("", ".", "..") for part in decoded.split("/"))


class SafeTemplateStaticFileHandler(TemplateStaticFileHandler):
    """Voila's template static files, with a 404 page for anything but ``<template>/static/<file>``.

    Voila's handler asserts on the path's shape, so ``..`` (encoded or not) answered 500.
    """

    def parse_url_path(self, url_path: str) -> str:
        if not template_path_ok(url_path):
            raise HTTPError(404)
        return str(super().parse_url_path(url_path))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        write_instruction(self, status_code)


class InstructionErrors:
    """Mixin: errors of a static-file route are instruction pages (Tornado's default names the status only)."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        write_instruction(self, status_code)


_WITH_INSTRUCTIONS: dict[type, type] = {}


def with_instruction_errors(cls: type) -> type:
    """``cls`` itself, or for a static-file handler a subclass whose error pages are instructions."""
    if not (isinstance(cls, type) and issubclass(cls, StaticFileHandler)) or issubclass(cls, InstructionErrors):
        return cls
    if cls not in _WITH_INSTRUCTIONS:
        _WITH_INSTRUCTIONS[cls] = type(cls.__name__, (InstructionErrors, cls), {"__module__": __name__})
    return _WITH_INSTRUCTIONS[cls]


def write_instruction(handler: Any, status_code: int) -> None:
    """Finish ``handler`` with the instruction page for ``status_code`` (no traceback, ever)."""
    if status_code == 404:
        _, body = pages.not_found()
    elif status_code < 500:
        body = pages.page(
            status_code,
            "This request cannot be served",
            "The address or the request is not valid.",
            "Check the link and try again.",
        )
    else:
        _, body = pages.for_error(RuntimeError())
    handler.clear_header("Content-Encoding")
    handler.clear_header("Content-Disposition")
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.set_header("Cache-Control", "no-store")
    handler.finish(body)
