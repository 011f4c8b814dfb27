"""Purpose-bound sub-keys derived from one secret, so no two uses (tokens, hashes, indexes) share a key."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr


def derive_key(secret: SecretStr | str | bytes, purpose: str) -> bytes:
    """HMAC-SHA256(secret, purpose): a 32-byte key for one purpose; another purpose gets an unrelated key."""
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"ibimina/" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> str:
    """Hex HMAC-SHA256 of a value under a key: what we store instead of a code, a token or a search term."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
