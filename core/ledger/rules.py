"""The rules an entry obeys before it reaches the database, and the digest that identifies its content."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from core.errors import InvalidInput
from core.ledger.errors import UnbalancedEntry
from core.ledger.types import NewEntry, PostingSpec

KIND = re.compile(r"^[a-z][a-z0-9_.]{0,31}$")
MAX_KEY = 128
MAX_MEMO = 500


def imbalance(postings: tuple[PostingSpec, ...]) -> dict[str, int]:
    """Debits minus credits per currency, keeping only the currencies that do not balance."""
    sums: dict[str, int] = defaultdict(int)
    for p in postings:
        sums[p.amount.currency] += p.signed_amount
    return {c: s for c, s in sums.items() if s != 0}


def validate_entry(entry: NewEntry) -> None:
    """Refuse an entry that is not a well-formed double entry.

    Raises UnbalancedEntry (fewer than two postings, or sums per currency not zero) or InvalidInput.
    """
    if not isinstance(entry.kind, str) or not KIND.match(entry.kind):
        raise InvalidInput(f"entry kind must be lower-case letters, digits, '_' or '.', not {entry.kind!r}")
    key = entry.idempotency_key
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput(f"an idempotency key must be 1..{MAX_KEY} printable characters")
    if len(entry.memo) > MAX_MEMO:
        raise InvalidInput(f"a memo is at most {MAX_MEMO} characters")
    if entry.effective_at is not None and entry.effective_at.tzinfo is None:
        raise InvalidInput("effective_at must carry a time zone")
    postings = entry.postings
    if not isinstance(postings, tuple) or not all(isinstance(p, PostingSpec) for p in postings):
        raise InvalidInput("postings must be a tuple of PostingSpec")
    if len(postings) < 2:
        raise UnbalancedEntry("an entry needs at least two postings")
    off = imbalance(postings)
    if off:
        detail = ", ".join(f"{c} off by {s}" for c, s in sorted(off.items()))
        raise UnbalancedEntry(f"debits and credits differ: {detail}")
    canonical_metadata(entry.metadata)


def canonical_metadata(metadata: Mapping[str, Any]) -> str:
    """Metadata as canonical JSON text; refuses what JSON cannot hold (floats are refused: no money in floats)."""
    _refuse_floats(metadata)
    try:
        return json.dumps(dict(metadata), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"metadata must be JSON: {exc}") from None


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise InvalidInput("metadata may not contain floats; use integers or strings")
    if isinstance(value, Mapping):
        for v in value.values():
            _refuse_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _refuse_floats(v)


def content_digest(entry: NewEntry) -> str:
    """SHA-256 of what makes two entries the same money movement: kind, postings (any order), reversal link.

    Memo, metadata, actor and effective time are description: a retry may differ in them and still replay.
    """
    legs = sorted((p.account_id, p.signed_amount, p.amount.currency) for p in entry.postings)
    body = json.dumps([entry.kind, legs, entry.reverses_entry_id], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()
