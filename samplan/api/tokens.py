"""System tokens: 32 random bytes, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "spl_"
TOKEN_BYTES = 32
SHOWN_PREFIX_LENGTH = 12


def token_new() -> str:
    """A new token: `spl_` and 32 random bytes in URL-safe base64 (43 characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 (hex). The token has 256 bits of randomness, so a slow hash adds nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_shown_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX_LENGTH]
