"""The hash of an audit row: SHA-256 over the previous hash and a canonical JSON of the row's content."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def row_digest(
    *,
    prev_hash: str,
    organization_id: int | None,
    seq: int,
    occurred_at: datetime,
    actor_type: str,
    actor_id: str | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    details: dict[str, Any],
    request_id: str | None,
) -> str:
    body = json.dumps(
        {
            "org": organization_id,
            "seq": seq,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "actor": [actor_type, actor_id],
            "action": action,
            "object": [object_type, object_id],
            "details": details,
            "request": request_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()
