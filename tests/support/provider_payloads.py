"""Recorded provider payloads (tests/fixtures/<channel>/), made unique per test and signed as each provider
signs: Meta's X-Hub-Signature-256, Twilio's own RequestValidator, Telegram's secret-token header."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RECORDED_WA_ID = "250788000001"
RECORDED_PHONE = "+250788000001"


def fixture_text(channel: str, name: str) -> str:
    return (FIXTURES / channel / name).read_text()


def fresh_whatsapp(
    name: str, *, phone: str | None = None, message_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The recorded payload with new wamid ids (or every id set to `message_id`) and the member's number;
    returns (raw body, old id -> new id)."""
    text = fixture_text("whatsapp", name)
    found = dict.fromkeys(re.findall(r"wamid\.[A-Za-z0-9=_-]+", text))
    ids = {old: message_id or f"wamid.T{secrets.token_hex(12)}" for old in found}
    for old, new in ids.items():
        text = text.replace(old, new)
    if phone:
        text = text.replace(RECORDED_WA_ID, phone.lstrip("+"))
    return json.dumps(json.loads(text)).encode(), ids


def meta_signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_params(name: str, **overrides: str) -> dict[str, str]:
    params: dict[str, str] = json.loads(fixture_text("twilio", name))
    sid = "SM" + secrets.token_hex(16)
    for key in ("MessageSid", "SmsSid", "SmsMessageSid"):
        if key in params:
            params[key] = sid
    params.update(overrides)
    return params


def twilio_signature(url: str, params: dict[str, str], auth_token: str) -> str:
    """Exactly as Twilio signs: its own RequestValidator over the public URL and every posted parameter."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def telegram_update(name: str, *, user_id: int | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_text("telegram", name))
    data["update_id"] = int.from_bytes(secrets.token_bytes(4), "big")
    if user_id is not None:
        text = json.dumps(data).replace("5811004421", str(user_id))
        data = json.loads(text)
    data.update(changes)
    return data


def ussd_hops(phone: str = RECORDED_PHONE) -> list[dict[str, str]]:
    """The recorded session's hops under a new session id (and the given member's number)."""
    hops: list[dict[str, str]] = json.loads(fixture_text("africastalking", "session_hops.json"))
    session = f"ATUid_{secrets.token_hex(16)}"
    return [{**hop, "sessionId": session, "phoneNumber": phone} for hop in hops]


def unique_phone() -> str:
    """A Rwandan MTN number unique across test runs (Redis keeps USSD sessions and dedup keys between runs)."""
    return f"+25078{secrets.randbelow(10**7):07d}"


def unique_session() -> str:
    return f"ATUid_{secrets.token_hex(16)}"
