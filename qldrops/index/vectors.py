"""Vector index backends behind one small seam (:class:`VectorIndex`).

Ids are drop ids. Vectors are L2-normalised, so inner product is cosine similarity.

* ``numpy``  exact, pure numpy: the cheap backend for tests.
* ``flat``   exact FAISS ``IndexIDMap2(IndexFlatIP)``: small stores, under ~20k vectors (deletes batched).
* ``hnsw``   FAISS ``IndexHNSWFlat``: large stores. HNSW cannot remove vectors, so the
             backend keeps its own label -> drop id table and tombstones; when too
             many are dead, the manager rebuilds it from the saved vectors.
* ``ivf``    FAISS ``IndexIVFFlat`` trained on the data; records how many vectors it was
             trained on, so the manager can retrain once the store has grown well past it.
* ``ivfpq``  FAISS ``IVF{nlist},PQ{m}`` (``index_factory``): each vector kept as ``m`` bytes of
             product-quantisation code instead of ``4 * dim`` bytes (48 vs 1,536 at 384 dims), for
             collections past one machine's memory. Its scores are approximate, so the query
             layer fetches ``RERANK`` times more candidates and re-ranks them by their exact
             vectors, read from the database in the same statement as the check of every answer.

FAISS threads: one OpenMP thread for single queries (two threads under CPU contention
made single queries up to 25x slower here); the BLAS threshold goes back to 20 for
batched queries (faiss-cpu 1.15 raised it to 128000, making batches 4-9x slower).
"""

from __future__ import annotations

import logging
import math
from typing import Protocol

import numpy as np

from ..errors import DependencyMissing, ValidationError

log = logging.getLogger(__name__)

KINDS = ("numpy", "flat", "hnsw", "ivf", "ivfpq")
HNSW_M = 32
HNSW_EF_SEARCH = 96
HNSW_EF_CONSTRUCTION = 64
IVF_NPROBE = 32
PQ_M = 48           # bytes of code per vector (dim must be a multiple: 384 / 48 = 8 dimensions per byte)
PQ_NPROBE = 48      # inverted lists visited per query (tuned on 3M clustered vectors: benchmarks/README.md)
PQ_MIN_TRAIN = 256 * 39  # fewer vectors than this: an exact (flat) index instead (too few to train codebooks)
PQ_RERANK = 20      # candidates fetched per answer wanted per million vectors (at least this many), re-ranked
                    # exactly by the query layer: recall@10 at 1M clustered vectors 0.75 with 5, 0.998 with 20; at
                    # 3M 0.922 with 20, 0.997 with 50 (benchmarks/README.md): the depth must grow with density


def pq_rerank(n: int) -> int:
    """How deep the exact re-rank of an IVF-PQ index of ``n`` vectors looks: ``PQ_RERANK`` x k candidates per
    started million. The denser the collection, the closer a query's true neighbours lie to each other and the
    less finely 48-byte codes order them, so the true top k fall deeper in the PQ ranking (measured on clustered
    vectors: 20·k holds recall@10 0.998 at 1M but 0.922 at 3M, where 50·k gives 0.997)."""
    return PQ_RERANK * max(1, math.ceil(n / 1_000_000))


def faiss_module():
    """Import FAISS on first use, tuned for this machine (see FACTS.md)."""
    try:
        import faiss
    except ImportError:
        raise DependencyMissing("faiss-cpu", "the vector index", extra="index") from None
    if faiss.cvar.distance_compute_blas_threshold != 20:
        faiss.cvar.distance_compute_blas_threshold = 20
    return faiss


class _Threads:
    """One OpenMP thread for a single query, all of them for a batch."""

    _max: int | None = None

    def __init__(self, faiss, nq: int):
        self.faiss = faiss
        self.nq = nq

    def __enter__(self):
        if _Threads._max is None:
            _Threads._max = self.faiss.omp_get_max_threads()
        self.faiss.omp_set_num_threads(1 if self.nq <= 1 else _Threads._max)

    def __exit__(self, *exc):
        return False


class VectorIndex(Protocol):
    """What the manager needs from an index backend."""

    kind: str
    dim: int

    def __len__(self) -> int: ...
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def remove(self, ids: np.ndarray) -> None: ...
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (nq, k); missing hits have id -1."""
    def exact_search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def needs_rebuild(self) -> str | None:
        """Why this index should be rebuilt (too many tombstones, outgrown training), or None."""
    def dump(self) -> dict[str, np.ndarray]:
        """Extra arrays to save beside the FAISS file."""
    @property
    def faiss_index(self): ...


def _as_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    q = np.ascontiguousarray(queries, dtype=np.float32)
    if q.ndim == 1:
        q = q[None, :]
    if q.shape[1] != dim:
        raise ValidationError(f"query vector has {q.shape[1]} dimensions, the index has {dim}")
    return q


class NumpyIndex:
    """Exact search in numpy: the deterministic backend for tests."""

    kind = "numpy"

    def __init__(self, dim: int, ids: np.ndarray | None = None, vectors: np.ndarray | None = None):
        self.dim = dim
        self.ids = np.zeros(0, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        self.vectors = np.zeros((0, dim), dtype=np.float32) if vectors is None else \
            np.asarray(vectors, dtype=np.float32).reshape(-1, dim)

    def __len__(self) -> int:
        return int(self.ids.size)

    def add(self, ids, vectors):
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.vectors = np.vstack([self.vectors, _as_queries(vectors, self.dim)])

    def remove(self, ids):
        keep = ~np.isin(self.ids, np.asarray(ids, dtype=np.int64))
        self.ids, self.vectors = self.ids[keep], self.vectors[keep]

    def search(self, queries, k):
        q = _as_queries(queries, self.dim)
        scores = q @ self.vectors.T
        out_s = np.full((len(q), k), -np.inf, dtype=np.float32)
        out_i = np.full((len(q), k), -1, dtype=np.int64)
        n = min(k, len(self))
        if n:
            top = np.argsort(-scores, axis=1, kind="stable")[:, :n]
            out_s[:, :n] = np.take_along_axis(scores, top, axis=1)
            out_i[:, :n] = self.ids[top]
        return out_s, out_i

    exact_search = search

    def needs_rebuild(self):
        return None

    def dump(self):
        return {"np_ids": self.ids, "np_vectors": self.vectors}

    @property
    def faiss_index(self):
        return None

    @classmethod
    def load(cls, dim, faiss_index, arrays):
        return cls(dim, arrays["np_ids"], arrays["np_vectors"])


class FlatIndex:
    """Exact FAISS search; deletes are batched by the caller (one remove_ids per sync)."""

    kind = "flat"

    def __init__(self, dim: int, index=None):
        self.faiss = faiss_module()
        self.dim = dim
        self.index = index if index is not None else self.faiss.IndexIDMap2(self.faiss.IndexFlatIP(dim))

    def __len__(self):
        return int(self.index.ntotal)

    def add(self, ids, vectors):
        if len(ids):
            self.index.add_with_ids(_as_queries(vectors, self.dim), np.asarray(ids, dtype=np.int64))

    def remove(self, ids):
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size:
            self.index.remove_ids(self.faiss.IDSelectorBatch(ids))

    def search(self, queries, k):
        q = _as_queries(queries, self.dim)
        with _Threads(self.faiss, len(q)):
            scores, ids = self.index.search(q, k)
        return scores, ids

    exact_search = search

    def needs_rebuild(self):
        return None

    def dump(self):
        return {}

    @property
    def faiss_index(self):
        return self.index

    @classmethod
    def load(cls, dim, faiss_index, arrays):
        return cls(dim, faiss_index)


class HNSWIndex:
    """Approximate graph search. Removal is a tombstone in our label table."""

    kind = "hnsw"
    DEAD_FRACTION = 0.2

    def __init__(self, dim: int, index=None, labels: np.ndarray | None = None):
        self.faiss = faiss_module()
        self.dim = dim
        if index is None:
            index = self.faiss.IndexHNSWFlat(dim, HNSW_M, self.faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        self.index = index
        self.labels = np.asarray(labels if labels is not None else np.zeros(0), dtype=np.int64)
        self.label_of = {int(d): i for i, d in enumerate(self.labels) if d >= 0}

    def __len__(self):
        return len(self.label_of)

    @property
    def dead(self) -> int:
        return int(self.labels.size) - len(self.label_of)

    def add(self, ids, vectors):
        ids = np.asarray(ids, dtype=np.int64)
        if not ids.size:
            return
        self.remove(ids)  # an update: tombstone the old vector
        start = self.labels.size
        with _Threads(self.faiss, 2):
            self.index.add(_as_queries(vectors, self.dim))
        self.labels = np.concatenate([self.labels, ids])
        for j, d in enumerate(ids):
            self.label_of[int(d)] = start + j

    def remove(self, ids):
        for d in np.asarray(ids, dtype=np.int64):
            label = self.label_of.pop(int(d), None)
            if label is not None:
                self.labels[label] = -1

    def _search(self, index, q, k, params=None):
        want = k
        while True:
            fetch = min(int(self.labels.size), want + self.dead) or 1
            with _Threads(self.faiss, len(q)):
                if params is not None:
                    params.efSearch = max(HNSW_EF_SEARCH, fetch)
                    scores, labels = index.search(q, fetch, params=params)
                else:
                    scores, labels = index.search(q, fetch)
            ids = np.where(labels >= 0, self.labels[np.clip(labels, 0, None)], -1) if self.labels.size \
                else np.full_like(labels, -1)
            scores = np.where(ids >= 0, scores, -np.inf)
            order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            out_s = np.take_along_axis(scores, order, axis=1)
            out_i = np.take_along_axis(ids, order, axis=1)
            short = (out_i >= 0).sum(axis=1) < min(k, len(self))
            if not short.any() or fetch >= self.labels.size:
                if out_s.shape[1] < k:
                    pad = k - out_s.shape[1]
                    out_s = np.pad(out_s, ((0, 0), (0, pad)), constant_values=-np.inf)
                    out_i = np.pad(out_i, ((0, 0), (0, pad)), constant_values=-1)
                return out_s.astype(np.float32), out_i
            want = fetch * 2

    def search(self, queries, k):
        return self._search(self.index, _as_queries(queries, self.dim), k,
                            self.faiss.SearchParametersHNSW())

    def exact_search(self, queries, k):
        return self._search(self.index.storage, _as_queries(queries, self.dim), k)

    def needs_rebuild(self):
        if self.labels.size and self.dead > self.DEAD_FRACTION * self.labels.size:
            return f"{self.dead} of {self.labels.size} graph entries are tombstones"
        return None

    def dump(self):
        return {"hnsw_labels": self.labels}

    @property
    def faiss_index(self):
        return self.index

    @classmethod
    def load(cls, dim, faiss_index, arrays):
        return cls(dim, faiss_index, arrays["hnsw_labels"])


class IVFIndex:
    """Inverted lists trained on the data; retrained when the store outgrows the training set."""

    kind = "ivf"
    GROWTH = 4.0

    def __init__(self, dim: int, index=None, trained_on: int = 0):
        self.faiss = faiss_module()
        self.dim = dim
        self.index = index
        self.trained_on = trained_on
        if index is not None:
            index.nprobe = min(IVF_NPROBE, index.nlist)

    @classmethod
    def trained(cls, dim: int, sample: np.ndarray) -> IVFIndex:
        faiss = faiss_module()
        nlist = max(1, min(int(4 * math.sqrt(len(sample))), len(sample) // 39 or 1))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        with _Threads(faiss, 2):
            index.train(_as_queries(sample, dim))
        return cls(dim, index, trained_on=len(sample))

    def __len__(self):
        return int(self.index.ntotal)

    def add(self, ids, vectors):
        if len(ids):
            self.remove(ids)
            self.index.add_with_ids(_as_queries(vectors, self.dim), np.asarray(ids, dtype=np.int64))

    def remove(self, ids):
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size:
            self.index.remove_ids(self.faiss.IDSelectorBatch(ids))

    def search(self, queries, k):
        q = _as_queries(queries, self.dim)
        with _Threads(self.faiss, len(q)):
            return self.index.search(q, k)

    def exact_search(self, queries, k):
        q = _as_queries(queries, self.dim)
        params = self.faiss.SearchParametersIVF(nprobe=self.faiss.extract_index_ivf(self.index).nlist)
        with _Threads(self.faiss, len(q)):
            return self.index.search(q, k, params=params)

    def needs_rebuild(self):
        if self.trained_on and len(self) > self.GROWTH * self.trained_on:
            return f"{len(self)} vectors, trained on {self.trained_on}: retrain"
        return None

    def dump(self):
        return {"ivf_trained_on": np.asarray([self.trained_on], dtype=np.int64)}

    @property
    def faiss_index(self):
        return self.index

    @classmethod
    def load(cls, dim, faiss_index, arrays):
        return cls(dim, faiss_index, int(arrays["ivf_trained_on"][0]))


class IVFPQIndex(IVFIndex):
    """Inverted lists of product-quantised codes: ``m`` bytes per vector, approximate scores.

    ``search`` returns PQ scores (the query layer re-ranks ``PQ_RERANK`` x k candidates with the
    exact vectors from the database); ``exact_search`` visits every list, which removes the
    probing loss but not the quantisation loss (that is what the re-rank corrects), so
    ``IndexManager.estimate_recall`` measures only the probing loss for this kind.
    """

    kind = "ivfpq"
    approximate_scores = True

    def __init__(self, dim: int, index=None, trained_on: int = 0):
        super().__init__(dim, None, trained_on)
        self.index = index
        if index is not None:
            self.ivf = self.faiss.extract_index_ivf(index)
            self.ivf.nprobe = min(PQ_NPROBE, self.ivf.nlist)

    @property
    def rerank(self) -> int:
        """Candidates fetched per answer wanted: :func:`pq_rerank` of the vectors held."""
        return pq_rerank(self.index.ntotal if self.index is not None else 0)

    @staticmethod
    def shape(n: int, dim: int) -> tuple[int, int]:
        """(nlist, m) for n vectors: sqrt(n) lists rounded down to a power of two (1,024 at 3M,
        8,192 at 100M), each with at least 39 training points. Fewer lists than the usual 4·sqrt(n)
        keep training and adding affordable on a few cores (adding costs n x nlist dot products);
        ``PQ_NPROBE`` is tuned for them."""
        nlist = 2 ** int(math.log2(max(1, min(65_536, math.sqrt(n), n // 39 or 1))))
        m = PQ_M if dim % PQ_M == 0 else next(c for c in (64, 32, 24, 16, 12, 8, 6, 4, 2, 1) if dim % c == 0)
        return nlist, m

    @classmethod
    def trained(cls, dim: int, sample: np.ndarray, n: int | None = None) -> IVFPQIndex:
        """Train the coarse quantiser and the PQ codebooks on ``sample`` (for a collection of ``n``)."""
        faiss = faiss_module()
        n = len(sample) if n is None else n
        nlist, m = cls.shape(n, dim)
        index = faiss.index_factory(dim, f"IVF{nlist},PQ{m}", faiss.METRIC_INNER_PRODUCT)
        # FAISS defaults to polysemous training of the codes (simulated annealing, for Hamming
        # filtering we never use): it took >290 s for 10k vectors here against 14 s without.
        index.do_polysemous_training = False
        with _Threads(faiss, 2):
            index.train(_as_queries(sample, dim))
        return cls(dim, index, trained_on=n)

    def add(self, ids, vectors):
        if len(ids):
            self.remove(ids)  # an update: the old code leaves its list
            self.append(ids, vectors)

    def append(self, ids, vectors):
        """Add vectors whose ids are not in the index (what a build does: no removal scan)."""
        with _Threads(self.faiss, 2):
            self.index.add_with_ids(_as_queries(vectors, self.dim), np.asarray(ids, dtype=np.int64))


BACKENDS: dict[str, type[NumpyIndex | FlatIndex | HNSWIndex | IVFIndex | IVFPQIndex]] = {
    "numpy": NumpyIndex, "flat": FlatIndex, "hnsw": HNSWIndex, "ivf": IVFIndex, "ivfpq": IVFPQIndex}


def choose_kind(n: int, requested: str = "auto", *, approx_threshold: int = 20_000,
                compressed_threshold: int = 0) -> str:
    """Exact search while it is fast enough (~10 ms per query at 20k vectors here), HNSW past that,
    and IVF-PQ past ``compressed_threshold`` vectors when that is set (0: never chosen by "auto")."""
    if requested != "auto":
        if requested not in KINDS:
            raise ValidationError(f"unknown index kind {requested!r}", hint=f"use one of: auto, {', '.join(KINDS)}")
        return requested
    if compressed_threshold and n >= compressed_threshold:
        return "ivfpq"
    return "flat" if n < approx_threshold else "hnsw"


def build(kind: str, dim: int, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
    """A new index of ``kind`` holding exactly these vectors."""
    ids = np.asarray(ids, dtype=np.int64)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim)
    if kind == "ivfpq":
        if len(vectors) < PQ_MIN_TRAIN:
            kind = "flat"  # PQ codebooks need 256 points per sub-quantiser and more: exact is right here
        else:
            sample = _training_sample(vectors, max(40 * IVFPQIndex.shape(len(vectors), dim)[0], 64 * 256))
            ivfpq = IVFPQIndex.trained(dim, sample, len(vectors))
            del sample
            step = 200_000
            for s in range(0, len(ids), step):
                ivfpq.append(ids[s:s + step], vectors[s:s + step])
            return ivfpq
    if kind == "ivf":
        if len(vectors) < 64:
            kind = "flat"  # too few points to train on: exact is both faster and right
        else:
            ivf = IVFIndex.trained(dim, _training_sample(vectors, 256 * 64))
            ivf.trained_on = len(vectors)  # the store size it was fitted to
            ivf.add(ids, vectors)
            return ivf
    index = BACKENDS[kind](dim)
    step = 50_000
    for s in range(0, len(ids), step):
        index.add(ids[s:s + step], vectors[s:s + step])
    return index


def _training_sample(vectors: np.ndarray, size: int) -> np.ndarray:
    """At most ``size`` rows, drawn at random (seeded: the same data trains the same index)."""
    if len(vectors) <= size:
        return vectors
    take = np.random.default_rng(0).choice(len(vectors), size=size, replace=False)
    return vectors[np.sort(take)]
