"""Static files gzipped once, not per request, and plotly.js for the dashboards' first paint.

A fresh browser fetches ~5 MB of Voila's JavaScript (and 4.6 MB of plotly.js for the analytics and
explorer pages). Tornado's ``compress_response`` gzips every response again for every request, on
the server's event loop, while the visitors' kernels render: with three visitors at once that is
~30 MB of gzip work for the same few files. :class:`Precompressed` gzips a file once per version
(path, size, modification time) and serves the bytes it kept to every client that accepts gzip;
the output transform then leaves the response alone (it already has a ``Content-Encoding``).
A range request, or a client without gzip, gets the file as it is.
"""

from __future__ import annotations

import gzip
import importlib.util
import mimetypes
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from tornado.web import StaticFileHandler

from ..dashboards.html import PLOTLY_JS

# text types worth compressing (fonts in woff2 and images are compressed already)
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/wasm")
_MIN_BYTES = 1024


class GzipCache:
    """Gzipped file bodies by (path, size, mtime), at most ``max_bytes`` of them (least recently used out)."""

    def __init__(self, max_bytes: int = 64 * 2**20, level: int = 6):
        self.max_bytes, self.level = max_bytes, level
        self._items: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.compressed = 0  # files gzipped so far (a test and /healthz/details read it)

    def get(self, path: str) -> bytes:
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        data = gzip.compress(Path(path).read_bytes(), compresslevel=self.level, mtime=0)
        with self._lock:
            if key not in self._items:
                self.compressed += 1
                self._items[key] = data
                self._size += len(data)
                while self._size > self.max_bytes and len(self._items) > 1:
                    _, old = self._items.popitem(last=False)
                    self._size -= len(old)
        return data


GZIP = GzipCache()


def compressible(path: str) -> bool:
    kind = mimetypes.guess_type(path)[0] or ""
    return kind.startswith(_COMPRESSIBLE)


class Precompressed(StaticFileHandler):
    """A StaticFileHandler that serves each text file's gzip computed once (see the module doc)."""

    _gz: bytes | None = None

    def _gzipped(self) -> bytes | None:
        if self._gz is not None:
            return self._gz
        path = getattr(self, "absolute_path", None)
        if (not path or self.request.headers.get("Range")
                or "gzip" not in self.request.headers.get("Accept-Encoding", "")
                or not compressible(path) or os.path.getsize(path) < _MIN_BYTES):
            return None
        self._gz = GZIP.get(path)
        return self._gz

    def set_extra_headers(self, path: str) -> None:
        super().set_extra_headers(path)
        self.add_header("Vary", "Accept-Encoding")
        if self._gzipped() is not None:
            self.set_header("Content-Encoding", "gzip")

    def compute_etag(self) -> str | None:
        etag = super().compute_etag()
        if etag and self._gzipped() is not None:
            return etag[:-1] + '-gz"'  # another representation, another tag
        return etag

    def get_content_size(self) -> int:
        gz = self._gzipped()
        return len(gz) if gz is not None else super().get_content_size()

    def get_content(self, abspath: str, start: int | None = None, end: int | None = None) -> Any:  # type: ignore[override]  # an instance method here: the body depends on the request
        gz = self._gzipped()
        if gz is not None:
            return gz
        return StaticFileHandler.get_content(abspath, start, end)

    @classmethod
    def get_content_version(cls, abspath: str) -> str:
        # Tornado's version hash reads the file through cls.get_content, an instance method here
        return StaticFileHandler.get_content_version(abspath)


_PRECOMPRESSED: dict[type, type] = {}


def precompressed(cls: type) -> type:
    """``cls`` (a StaticFileHandler) serving gzip computed once; other handler classes unchanged."""
    if not (isinstance(cls, type) and issubclass(cls, StaticFileHandler)) or issubclass(cls, Precompressed):
        return cls
    if cls not in _PRECOMPRESSED:
        _PRECOMPRESSED[cls] = type(cls.__name__, (Precompressed, cls), {"__module__": __name__})
    return _PRECOMPRESSED[cls]


class PlotlyHandler(StaticFileHandler):
    """``/qldrops/static/plotly.min.js``: the installed plotly package's own file (no CDN); gzipped
    like the other static files (once, or per request with ``--no-precompress``)."""

    def get_cache_time(self, path: str, modified: Any, mime_type: str) -> int:
        return 24 * 3600  # the file changes only with the installed package


# The trace types the dashboards draw (qldrops/server/plotly_js/src/plotly.js registers these; a test
# checks that every figure of the analytics and explorer pages uses no other).
PLOTLY_TRACES = ("scatter", "bar", "box", "funnel")
# `make plotly`: plotly.js with PLOTLY_TRACES only (1.2 MB instead of 4.8 MB for every browser to run)
PLOTLY_BUNDLE = Path(__file__).resolve().parent / "static" / "plotly"


def installed_plotly_js() -> Path | None:
    """The installed plotly package's full plotly.min.js (found, not imported: importing plotly costs
    the server ~1 s and memory), or None without plotly."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def plotly_route() -> tuple[str, type, dict[str, str]] | None:
    """The route for :data:`qldrops.dashboards.html.PLOTLY_JS`: the partial bundle when built
    (``make plotly``), else the installed package's full plotly.js; None without either."""
    if (PLOTLY_BUNDLE / "plotly.min.js").is_file():
        folder = PLOTLY_BUNDLE
    else:
        full = installed_plotly_js()
        if full is None:
            return None
        folder = full.parent
    prefix, name = PLOTLY_JS.rsplit("/", 1)
    return rf"/{prefix}/({name.replace('.', '[.]')})", PlotlyHandler, {"path": str(folder)}
