"""Static files gzipped once per file (qldrops.server.static), served through a real Tornado app."""

from __future__ import annotations

import gzip
import os
import tempfile

from tornado.testing import AsyncHTTPTestCase
from tornado.web import Application, GZipContentEncoding, StaticFileHandler

from qldrops.server.static import GZIP, plotly_route, precompressed

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


def test_plotly_is_served_from_the_installed_package():
    route = plotly_route()
    assert route is not None
    pattern, _handler, kwargs = route
    assert pattern == r"/qldrops/static/(plotly[.]min[.]js)"
    assert os.path.getsize(os.path.join(kwargs["path"], "plotly.min.js")) > 1_000_000
