"""SMS forwarder devices: registration, revocation and request signatures.

A device's secret is HMAC(SECRET_KEY, "sms-device:" + public id + salt): shown once at registration,
never stored, so a copy of the database alone cannot forge a forwarder. Rotating = a new device.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import DomainError, InvalidInput, NotFound
from core.payments.models import IngestNonce, SmsDevice

SIGNATURE_WINDOW = timedelta(minutes=5)


class SignatureRejected(DomainError):
    """Unknown or revoked device, stale timestamp, wrong or replayed signature: 401/403/409."""

    code = "signature_rejected"
    http_status = 401


class SignatureReplayed(SignatureRejected):
    code = "signature_replayed"
    http_status = 409


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    id: str
    name: str
    organization_id: int
    secret: str  # shown once


def derive_secret(secret_key: str, public_id: str, salt: str) -> str:
    return hmac.new(
        secret_key.encode(), f"sms-device:{public_id}:{salt}".encode(), hashlib.sha256
    ).hexdigest()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The forwarder's X-Signature value: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


async def register_device(
    session: AsyncSession, *, organization_id: int, name: str, secret_key: str, actor: Actor
) -> RegisteredDevice:
    if not name.strip():
        raise InvalidInput("a device needs a name (e.g. the collection phone's label)")
    device = SmsDevice(
        organization_id=organization_id,
        public_id="dev_" + secrets.token_hex(12),
        name=name.strip(),
        salt=secrets.token_hex(16),
        status="active",
    )
    session.add(device)
    await session.flush()
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="sms_device.registered",
        object_type="sms_device",
        object_id=device.public_id,
        details={"name": device.name},
    )
    secret = derive_secret(secret_key, device.public_id, device.salt)
    return RegisteredDevice(device.public_id, device.name, organization_id, secret)


async def revoke_device(session: AsyncSession, *, public_id: str, actor: Actor) -> None:
    device = (
        await session.execute(select(SmsDevice).where(SmsDevice.public_id == public_id))
    ).scalar_one_or_none()
    if device is None:
        raise NotFound(f"no device {public_id}")
    device.status = "revoked"
    await record(
        session,
        organization_id=device.organization_id,
        actor=actor,
        action="sms_device.revoked",
        object_type="sms_device",
        object_id=public_id,
    )


async def list_devices(session: AsyncSession) -> list[SmsDevice]:
    return list((await session.execute(select(SmsDevice).order_by(SmsDevice.id))).scalars())


async def authenticate(
    session: AsyncSession,
    *,
    public_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    secret_key: str,
    now: datetime | None = None,
) -> SmsDevice:
    """Check a forwarder request; must run in the system scope (the organization is not known yet).

    Order matters: the signature is checked before the nonce is recorded, so forged requests cannot
    fill the replay table; the nonce insert is the last step and fails on a replay.
    """
    now = now or datetime.now(UTC)
    device = (
        await session.execute(select(SmsDevice).where(SmsDevice.public_id == public_id))
    ).scalar_one_or_none()
    if device is None or device.status != "active":
        raise SignatureRejected("unknown or revoked device")
    try:
        sent_at = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureRejected("X-Timestamp must be Unix seconds") from exc
    if abs(now - sent_at) > SIGNATURE_WINDOW:
        raise SignatureRejected("X-Timestamp is outside the 5-minute window (check the phone's clock)")
    expected = sign(derive_secret(secret_key, device.public_id, device.salt), timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureRejected("signature does not match")
    fresh = await session.execute(
        insert(IngestNonce)
        .values(device_id=device.id, signature=expected[7:], seen_at=now)
        .on_conflict_do_nothing()
        .returning(IngestNonce.device_id)
    )
    if fresh.scalar_one_or_none() is None:
        raise SignatureReplayed("this signed request was already received")
    device.last_seen_at = now
    return device


async def forget_old_nonces(session: AsyncSession, now: datetime | None = None) -> int:
    """Nonces older than twice the window can never match again (their timestamps are stale)."""
    cutoff = (now or datetime.now(UTC)) - 2 * SIGNATURE_WINDOW
    result = await session.execute(delete(IngestNonce).where(IngestNonce.seen_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
