"""Static files gzipped once per file (qldrops.server.static), served through a real Tornado app."""

from __future__ import annotations

import gzip
import os
import tempfile

from tornado.testing import AsyncHTTPTestCase
from tornado.web import Application, GZipContentEncoding, StaticFileHandler

from qldrops.server.static import (
    GZIP,
    PLOTLY_BUNDLE,
    PLOTLY_TRACES,
    installed_plotly_js,
    plotly_route,
    precompressed,
)

SCRIPT = "function f(x) { return x + 1; }\n" * 2000  # ~64 KB of JavaScript


class PrecompressedTest(AsyncHTTPTestCase):
    def get_app(self) -> Application:
        self.folder = tempfile.mkdtemp()
        with open(os.path.join(self.folder, "app.js"), "w") as f:
            f.write(SCRIPT)
        with open(os.path.join(self.folder, "font.woff2"), "wb") as f:
            f.write(os.urandom(4096))
        app = Application([(r"/static/(.*)", precompressed(StaticFileHandler), {"path": self.folder})])
        app.transforms.append(GZipContentEncoding)  # as `compress_response` installs it: must leave ours alone
        return app

    def fetch_raw(self, path: str, **headers: str):
        return self.fetch(path, headers=headers, decompress_response=False)

    def test_a_script_is_gzipped_once_and_served_to_every_client_that_accepts_it(self):
        before = GZIP.compressed
        first = self.fetch_raw("/static/app.js", **{"Accept-Encoding": "gzip"})
        second = self.fetch_raw("/static/app.js", **{"Accept-Encoding": "gzip, br"})
        assert first.code == second.code == 200
        for r in (first, second):
            assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
            assert gzip.decompress(r.body).decode() == SCRIPT  # gzipped once, not twice by the transform
            assert int(r.headers["Content-Length"]) == len(r.body) < len(SCRIPT) / 10
        assert first.body == second.body and GZIP.compressed == before + 1
        tag = first.headers["Etag"]
        assert self.fetch_raw("/static/app.js", **{"Accept-Encoding": "gzip", "If-None-Match": tag}).code == 304
        assert self.fetch_raw("/static/app.js").headers["Etag"] != tag  # another representation, another tag

    def test_without_gzip_or_for_a_range_the_file_as_it_is(self):
        plain = self.fetch_raw("/static/app.js")
        assert "Content-Encoding" not in plain.headers and plain.body.decode() == SCRIPT
        part = self.fetch_raw("/static/app.js", **{"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
        body = gzip.decompress(part.body) if part.headers.get("Content-Encoding") == "gzip" else part.body
        assert part.code == 206 and body.decode() == SCRIPT[:10]  # a range of the file, not of its gzip
        font = self.fetch_raw("/static/font.woff2", **{"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in font.headers and len(font.body) == 4096  # compressed already

    def test_a_changed_file_is_gzipped_again(self):
        self.fetch_raw("/static/app.js", **{"Accept-Encoding": "gzip"})
        path = os.path.join(self.folder, "app.js")
        with open(path, "a") as f:
            f.write("var changed = 1;\n")
        os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
        again = self.fetch_raw("/static/app.js", **{"Accept-Encoding": "gzip"})
        assert gzip.decompress(again.body).decode().endswith("var changed = 1;\n")

    def test_unknown_files_are_not_found(self):
        assert self.fetch_raw("/static/nothing.js", **{"Accept-Encoding": "gzip"}).code == 404


def test_plotly_is_served_from_this_machine():
    """The partial bundle when `make plotly` built it, else the installed package's full plotly.js."""
    route = plotly_route()
    assert route is not None
    pattern, _handler, kwargs = route
    assert pattern == r"/qldrops/static/(plotly[.]min[.]js)"
    built = (PLOTLY_BUNDLE / "plotly.min.js").is_file()
    assert kwargs["path"] == str(PLOTLY_BUNDLE if built else installed_plotly_js().parent)
    assert os.path.getsize(os.path.join(kwargs["path"], "plotly.min.js")) > 500_000


def test_the_partial_bundle_is_the_installed_plotly_js_with_the_dashboards_trace_types():
    """Same plotly.js version as the installed plotly package (the figures' JSON is written for it), and
    the trace types registered are PLOTLY_TRACES (the dashboards' tests check they draw no other)."""
    import json
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "qldrops" / "server" / "plotly_js"
    pinned = json.loads((folder / "package.json").read_text())["dependencies"]["plotly.js"]
    header = installed_plotly_js().read_text(encoding="utf-8", errors="replace")[:300]
    assert f"plotly.js v{pinned}" in header, "pin plotly_js/package.json to the plotly.js the plotly package ships"
    lock = json.loads((folder / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/plotly.js"]["version"] == pinned
    registered = re.findall(r"require\('plotly.js/lib/(\w+)'\)", (folder / "src" / "plotly.js").read_text())
    assert registered[0] == "core" and {"scatter", *registered[1:]} == set(PLOTLY_TRACES)
