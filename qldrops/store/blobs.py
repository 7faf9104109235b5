"""Content-addressed artifact bytes: sha256 of the raw text, zstd when it pays."""

from __future__ import annotations

import hashlib
import threading

import zstandard

_local = threading.local()
RAW, ZSTD = "raw", "zstd"


def _compressor(level: int):
    key = f"c{level}"
    c = getattr(_local, key, None)
    if c is None:
        c = zstandard.ZstdCompressor(level=level)
        setattr(_local, key, c)
    return c


def _decompressor():
    d = getattr(_local, "d", None)
    if d is None:
        d = _local.d = zstandard.ZstdDecompressor()
    return d


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(data: bytes, *, min_bytes: int, level: int) -> tuple[str, bytes]:
    """(codec, stored bytes). Small or incompressible content stays raw."""
    if len(data) >= min_bytes:
        packed = _compressor(level).compress(data)
        if len(packed) < len(data) * 0.95:
            return ZSTD, packed
    return RAW, data


def decode(codec: str, stored: bytes) -> bytes:
    if codec == ZSTD:
        return _decompressor().decompress(stored)
    return bytes(stored)
