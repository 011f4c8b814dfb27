"""AES-256-GCM for personal data at rest (national IDs, TOTP secrets) with key ids for rotation.

PII_ENCRYPTION_KEYS is "kid1:base64key,kid2:base64key" (32-byte keys, url-safe or standard base64); the
first key encrypts, every key decrypts. A stored value is "v1:<kid>:<base64url(nonce || ciphertext)>", so
`ibimina rotate-keys` finds what an older key still holds. The associated data binds a value to where it
lives (column and owner), so a ciphertext copied into another row does not decrypt. Outside production a
value that is not a key list (the development default) derives one key "dev" from it, so the demo works.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.settings import Settings

VERSION = "v1"
_KID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NONCE_BYTES = 12


class PiiKeyError(ValueError):
    """PII_ENCRYPTION_KEYS cannot be used, or a stored value names a key we do not hold."""


class UndecryptableValue(ValueError):
    """A stored value is damaged, was moved to another row, or was encrypted under an unknown key."""


@dataclass(frozen=True, slots=True)
class PiiKey:
    key_id: str
    key: bytes = field(repr=False)


def generate_key_spec(key_id: str) -> str:
    """A fresh "kid:base64key" entry for PII_ENCRYPTION_KEYS (prepend it to rotate)."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def parse_keys(raw: str, *, allow_derived: bool) -> tuple[PiiKey, ...]:
    """Parse the key list; with allow_derived, a non-list value derives a single development key."""
    entries = [e.strip() for e in raw.split(",") if e.strip()]
    keys: list[PiiKey] = []
    try:
        for entry in entries:
            kid, _, b64 = entry.partition(":")
            if not _KID.match(kid) or not b64:
                raise PiiKeyError("not a kid:base64key entry")
            key = _b64decode(b64)
            if len(key) != 32:
                raise PiiKeyError(f"key {kid!r} is {len(key)} bytes; AES-256 needs 32")
            keys.append(PiiKey(kid, key))
    except PiiKeyError as exc:
        if not allow_derived:
            raise PiiKeyError(
                f"PII_ENCRYPTION_KEYS must be 'kid:base64-32-byte-key[,older...]' ({exc})"
            ) from None
        return (PiiKey("dev", hashlib.sha256(b"ibimina-dev-pii/" + raw.encode()).digest()),)
    if not keys:
        raise PiiKeyError("PII_ENCRYPTION_KEYS is empty")
    if len({k.key_id for k in keys}) != len(keys):
        raise PiiKeyError("PII_ENCRYPTION_KEYS repeats a key id")
    return tuple(keys)


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise PiiKeyError("key is not base64") from exc


class PiiCipher:
    """Encrypts with the current (first) key, decrypts with any; blind indexes make values findable."""

    def __init__(self, keys: Sequence[PiiKey]) -> None:
        if not keys:
            raise PiiKeyError("at least one key is needed")
        self._keys = {k.key_id: k for k in keys}
        self._order = tuple(k.key_id for k in keys)
        self._aead = {k.key_id: AESGCM(k.key) for k in keys}
        self._index_keys = {
            k.key_id: hmac.new(k.key, b"ibimina/blind-index", hashlib.sha256).digest() for k in keys
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> PiiCipher:
        """Production refuses a value that is not a key list; elsewhere the dev default derives a key."""
        raw = settings.pii_encryption_keys.get_secret_value()
        return cls(parse_keys(raw, allow_derived=not settings.is_production))

    @property
    def current_key_id(self) -> str:
        return self._order[0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return self._order

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt under the current key; `context` (e.g. "members.national_id:12") must match on decrypt."""
        kid = self.current_key_id
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead[kid].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{VERSION}:{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a stored value; raises UndecryptableValue when damaged, moved or under an unknown key."""
        kid = self.key_id_of(token)
        if kid not in self._aead:
            raise UndecryptableValue(
                f"encrypted under key {kid!r}, which PII_ENCRYPTION_KEYS no longer holds"
            )
        try:
            blob = _b64decode(token.split(":", 2)[2])
            return (
                self._aead[kid].decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode()).decode()
            )
        except (InvalidTag, PiiKeyError, IndexError) as exc:
            raise UndecryptableValue("the stored value does not decrypt here (damaged or moved)") from exc

    @staticmethod
    def key_id_of(token: str) -> str:
        parts = token.split(":", 2)
        if len(parts) != 3 or parts[0] != VERSION:
            raise UndecryptableValue("not an encrypted value")
        return parts[1]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id_of(token) != self.current_key_id

    def blind_index(self, value: str, *, context: str, key_id: str | None = None) -> str:
        """A keyed hash (HMAC) for equality search without decrypting; same value, same key -> same index."""
        key = self._index_keys[key_id or self.current_key_id]
        return hmac.new(key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def blind_indexes(self, value: str, *, context: str) -> tuple[str, ...]:
        """The index under every key: a search matches rows written before and after a rotation."""
        return tuple(self.blind_index(value, context=context, key_id=kid) for kid in self._order)
