"""Share-link capabilities and API tokens: generation, format check, hashing.

A capability is ``secrets.token_urlsafe(32)``: 256 random bits in 43 URL-safe
base64 characters. Only its SHA-256 reaches the database, so a leaked database
dump does not leak working links. The format check runs before any database
access, so junk (wrong length, wrong alphabet, non-canonical base64 tail) costs
microseconds and never a query.

API tokens are ``qld_`` + the same 43 characters; the prefix makes them easy to
spot in logs and secret scanners.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import TypeGuard

CAPABILITY_BYTES = 32
CAPABILITY_LEN = 43  # len(token_urlsafe(32))
TOKEN_PREFIX = "qld_"
TOKEN_LEN = len(TOKEN_PREFIX) + CAPABILITY_LEN
_B64URL = re.compile(r"[A-Za-z0-9_-]{43}")
# 32 bytes = 256 bits in 43 chars of 6 bits: the last char carries 4 bits, so its
# low 2 bits are zero. Only these 16 characters can end a canonical capability.
_LAST_CHARS = frozenset("AEIMQUYcgkosw048")


def new_capability() -> str:
    return secrets.token_urlsafe(CAPABILITY_BYTES)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(CAPABILITY_BYTES)


def is_well_formed(capability: object) -> bool:
    """True when ``capability`` could have come from :func:`new_capability` (no I/O)."""
    return (
        isinstance(capability, str)
        and len(capability) == CAPABILITY_LEN
        and capability[-1] in _LAST_CHARS
        and _B64URL.fullmatch(capability) is not None
    )


def is_well_formed_token(token: object) -> TypeGuard[str]:
    return (isinstance(token, str) and len(token) == TOKEN_LEN and token.startswith(TOKEN_PREFIX)
            and is_well_formed(token[len(TOKEN_PREFIX):]))


def secret_hash(secret: str) -> str:
    """SHA-256 hex of a capability or token: what the database stores and looks up."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def mask(secret: str | None) -> str:
    """A form safe to show in reprs and logs: the first 6 characters only."""
    if not secret:
        return "<hidden>"
    return secret[:6] + "…"


def _decodes(capability: str) -> bool:  # used by tests to prove the tail rule is exact
    raw = base64.urlsafe_b64decode(capability + "=")
    return len(raw) == CAPABILITY_BYTES and base64.urlsafe_b64encode(raw).decode().rstrip("=") == capability
