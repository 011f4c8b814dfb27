"""Where a request came from, for throttling and the audit log; passed down from the HTTP edge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientInfo:
    address: str = "unknown"
    user_agent: str = ""
    request_id: str | None = None
