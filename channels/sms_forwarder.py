"""POST /ingest/sms: confirmation SMS from the Android forwarder on a SACCO's collection phone.

Headers: X-Device-Id, X-Timestamp (Unix seconds), X-Signature: sha256=<HMAC-SHA256(secret, ts + "." + body)>.
Body: one {"sender","body","received_at"} object, a list of them, or {"messages": [...]} (at most 500).
The raw SMS is stored before anything else; reconciliation runs after the answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError, field_validator

from core.db.database import Database
from core.payments.devices import SignatureRejected, authenticate
from core.payments.inbox import IncomingSms, store_messages

log = logging.getLogger(__name__)
KIGALI = ZoneInfo("Africa/Kigali")
MAX_BATCH = 500
AfterStore = Callable[[int, list[int]], None]  # (organization id, new pending SMS ids)


class ForwardedSms(BaseModel):
    sender: str = Field(min_length=1, max_length=64)
    body: str = Field(min_length=1, max_length=4000)
    received_at: datetime

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=KIGALI)  # phones send local time


def parse_payload(raw: bytes) -> list[ForwardedSms]:
    """The forwarder's JSON in any of its three shapes; raises web.HTTPBadRequest with the reason."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(f"body is not JSON: {exc}") from exc
    items = data.get("messages") if isinstance(data, dict) and "messages" in data else data
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise _bad("expected an SMS object, a list of them, or {'messages': [...]}")
    if len(items) > MAX_BATCH:
        raise _bad(f"at most {MAX_BATCH} messages per request")
    try:
        return [ForwardedSms.model_validate(item) for item in items]
    except ValidationError as exc:
        raise _bad(
            "invalid SMS: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from exc


def _bad(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"error": "bad_request", "detail": reason}), content_type="application/json"
    )


def make_ingest_handler(db: Database, secret_key: str, after_store: AfterStore) -> Callable[..., object]:
    async def ingest(request: web.Request) -> web.Response:
        raw = await request.read()
        device_id = request.headers.get("X-Device-Id", "")
        timestamp = request.headers.get("X-Timestamp", "")
        signature = request.headers.get("X-Signature", "")
        if not (device_id and timestamp and signature):
            return _refuse(401, "X-Device-Id, X-Timestamp and X-Signature are required")
        try:
            async with db.system() as session:
                device = await authenticate(
                    session,
                    public_id=device_id,
                    timestamp=timestamp,
                    signature=signature,
                    body=raw,
                    secret_key=secret_key,
                )
                org_id, dev_pk = device.organization_id, device.id
        except SignatureRejected as exc:
            log.warning("sms ingest refused for device %r: %s", device_id[:40], exc.message)
            return _refuse(exc.http_status, exc.message)
        messages = parse_payload(raw)  # a signed but malformed body: 400 with the reason
        async with db.tenant(org_id) as session:
            stored = await store_messages(
                session,
                organization_id=org_id,
                device_id=dev_pk,
                source="forwarder",
                messages=[IncomingSms(m.sender, m.body, m.received_at) for m in messages],
            )
        pending = [s.id for s in stored if s.id is not None and s.status == "pending"]
        if pending:
            after_store(org_id, pending)
        counts: dict[str, int] = {}
        for s in stored:
            counts[s.status] = counts.get(s.status, 0) + 1
        return web.json_response(
            {
                "accepted": len(stored),
                "counts": counts,
                "results": [{"id": s.id, "status": s.status, "duplicate_of": s.duplicate_of} for s in stored],
            }
        )

    return ingest


def _refuse(status: int, reason: str) -> web.Response:
    return web.json_response(
        {"error": "unauthorized" if status == 401 else "refused", "detail": reason}, status=status
    )


def setup(app: web.Application, *, db: Database, secret_key: str, after_store: AfterStore) -> None:
    app.router.add_post("/ingest/sms", make_ingest_handler(db, secret_key, after_store))  # type: ignore[arg-type]
