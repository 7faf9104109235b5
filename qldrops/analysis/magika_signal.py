"""magika (Google's ONNX content-type model) as one signal among several.

magika alone gets 70-80 % of real files right without a name; its mistakes are often
between close relatives (C/C++, JS/TS, txt/markdown). We take its whole probability
vector when the pinned version exposes it, so the combiner can see the runner-up, and
fall back to the public top-1 answer otherwise.
"""

from __future__ import annotations

import io
import logging
import threading
from functools import lru_cache

log = logging.getLogger(__name__)

# magika label -> our canonical language
LABELS: dict[str, str] = {
    "python": "python", "javascript": "javascript", "typescript": "typescript", "java": "java",
    "go": "go", "rust": "rust", "c": "c", "cpp": "cpp", "cs": "csharp", "ruby": "ruby",
    "gemfile": "ruby", "gemspec": "ruby", "erb": "ruby", "php": "php", "twig": "html", "kotlin": "kotlin",
    "gradle": "kotlin", "swift": "swift", "scala": "scala", "shell": "shell", "sql": "sql",
    "html": "html", "jinja": "html", "handlebars": "html", "css": "css", "scss": "css",
    "yaml": "yaml", "json": "json", "jsonl": "json", "ipynb": "json", "markdown": "markdown",
    "dockerfile": "dockerfile", "toml": "toml", "makefile": "makefile", "txt": "text",
    "randomtxt": "text", "rst": "text", "xml": "xml", "svg": "xml", "csproj": "xml", "ini": "ini",
    "perl": "perl", "lua": "lua", "r": "r", "objectivec": "objective-c", "dart": "dart",
    "powershell": "powershell", "batch": "batch", "haskell": "haskell", "elixir": "elixir",
    "vue": "vue", "hcl": "terraform", "proto": "protobuf", "diff": "diff",
}

_lock = threading.Lock()
MIN_BYTES = 16


@lru_cache(maxsize=1)
def _model():
    from magika import Magika  # lazy: onnxruntime load ~0.3 s

    m = Magika()
    try:
        # One thread, no spinning: the default pool of one spinning thread per core made two
        # batch workers fight over the two cores (the batch ran slower than one process).
        import onnxruntime as rt

        opts = rt.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        m._onnx_session = rt.InferenceSession(str(m._model_path), sess_options=opts,
                                              providers=["CPUExecutionProvider"])
    except Exception:  # private attribute moved: keep magika's own session
        log.debug("could not make magika single-threaded", exc_info=True)
    return m


def available() -> bool:
    try:
        _model()
        return True
    except Exception as exc:  # ImportError, onnxruntime failures: detection goes on without it
        log.warning("magika unavailable (%s); language detection uses heuristics only", exc)
        return False


def version() -> str:
    try:
        import magika

        return magika.__version__
    except Exception:
        return "none"


def probabilities(data: bytes) -> dict[str, float]:
    """Our languages -> probability mass magika puts on them (empty when magika is unsure or absent)."""
    if len(data.strip()) < MIN_BYTES or not available():
        return {}
    m = _model()
    with _lock:  # one onnxruntime session shared by threads
        try:
            return _full_vector(m, data)
        except Exception:  # private API changed: use the public answer
            log.debug("magika full vector unavailable", exc_info=True)
            res = m.identify_bytes(data)
            label = str(res.dl.label)
            lang = LABELS.get(label)
            return {lang: float(res.score)} if lang else {}


def _full_vector(m, data: bytes) -> dict[str, float]:
    from magika.magika import Magika
    from magika.types.seekable import Seekable

    cfg = m._model_config
    seekable = Seekable(io.BytesIO(data))
    feats = Magika._extract_features_from_seekable(
        seekable, cfg.beg_size, cfg.mid_size, cfg.end_size, cfg.padding_token, cfg.block_size,
        cfg.use_inputs_at_offsets,
    )
    if feats.beg[cfg.min_file_size_for_dl - 1] == cfg.padding_token:
        return {}
    preds = m._get_raw_predictions([("-", feats)])[0]
    out: dict[str, float] = {}
    for label, p in zip(m._target_labels_space, preds):
        lang = LABELS.get(str(label))
        if lang and p > 1e-4:
            out[lang] = out.get(lang, 0.0) + float(p)
    return out
