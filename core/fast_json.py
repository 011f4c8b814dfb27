"""JSON for the hot paths through orjson: a conversation turn decodes and encodes JSON about seven times
(the conversation's slots and choices, the memberships, the USSD state, the transcript lines), and the
standard library's json cost a USSD hop more than any single query of it.

Same values in and out as `json` for JSON data: non-string keys become strings as `json.dumps` makes them;
text orjson refuses (integers past 64 bits, NaN) falls back to `json` instead of failing.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any) -> str:
    """Compact JSON text (asyncpg's json codecs and Redis take text)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # e.g. an integer past 64 bits
        return json.dumps(value, separators=(",", ":"))
