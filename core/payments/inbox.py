"""The SMS inbox: every confirmation SMS is stored first, parsed, and sorted for reconciliation.

Duplicates are recognised twice over: the same raw text (same sender and body) is stored once, and a new
text carrying a provider transaction id already seen is kept but marked duplicate (never posted twice;
the ledger's idempotency key on the transaction id is the last wall).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.payments.models import SmsMessage, SmsStatus
from core.payments.sms.parse import parse_sms
from core.payments.sms.types import ParsedSms, SmsKind, to_json_dict


@dataclass(frozen=True, slots=True)
class IncomingSms:
    sender: str
    body: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSms:
    id: int | None  # None: the same raw text was already stored (duplicate_of names it)
    status: str
    duplicate_of: int | None = None
    kind: str | None = None
    amount: int | None = None
    transaction_id: str | None = None


def raw_hash(sender: str, body: str) -> str:
    return hashlib.sha256(f"{sender.strip()}\n{body.strip()}".encode()).hexdigest()


def initial_status(parsed: ParsedSms) -> SmsStatus:
    if not parsed.parsed:
        return SmsStatus.UNPARSED
    if parsed.is_incoming and parsed.kind in (SmsKind.RECEIVED, SmsKind.DEPOSIT):
        return SmsStatus.PENDING
    return SmsStatus.IGNORED


async def store_messages(
    session: AsyncSession,
    *,
    organization_id: int,
    messages: Sequence[IncomingSms],
    source: str,
    device_id: int | None = None,
) -> list[StoredSms]:
    """Store each message (in order) and return what became of it; never raises on message content."""
    results: list[StoredSms] = []
    for msg in messages:
        received = msg.received_at if msg.received_at.tzinfo else msg.received_at.replace(tzinfo=UTC)
        parsed = parse_sms(msg.body, sender=msg.sender, received_at=received)
        digest = raw_hash(msg.sender, msg.body)
        status = initial_status(parsed)
        duplicate_of = None
        if parsed.transaction_id and status is SmsStatus.PENDING:
            duplicate_of = await _seen_transaction(session, organization_id, parsed)
            if duplicate_of is not None:
                status = SmsStatus.DUPLICATE
        row = await session.execute(
            insert(SmsMessage)
            .values(
                organization_id=organization_id,
                device_id=device_id,
                source=source,
                sender=msg.sender[:64],
                body=msg.body,
                received_at=received,
                raw_hash=digest,
                parsed=parsed.parsed,
                parse_error=(parsed.error or "")[:300] or None,
                provider=parsed.provider.value if parsed.provider else None,
                kind=parsed.kind.value,
                amount=parsed.amount,
                currency=parsed.currency,
                transaction_id=parsed.transaction_id,
                counterparty_name=(parsed.counterparty_name or "")[:200] or None,
                counterparty_phone=parsed.counterparty_phone,
                reference=(parsed.reference or "")[:300] or None,
                occurred_at=parsed.occurred_at,
                details=to_json_dict(parsed),
                status=status.value,
                duplicate_of_id=duplicate_of,
            )
            .on_conflict_do_nothing(index_elements=["organization_id", "raw_hash"])
            .returning(SmsMessage.id)
        )
        new_id = row.scalar_one_or_none()
        if new_id is None:
            first = await session.execute(
                select(SmsMessage.id).where(
                    SmsMessage.organization_id == organization_id, SmsMessage.raw_hash == digest
                )
            )
            results.append(
                StoredSms(None, SmsStatus.DUPLICATE.value, duplicate_of=first.scalar_one_or_none())
            )
            continue
        results.append(
            StoredSms(
                new_id, status.value, duplicate_of, parsed.kind.value, parsed.amount, parsed.transaction_id
            )
        )
    return results


async def _seen_transaction(session: AsyncSession, organization_id: int, parsed: ParsedSms) -> int | None:
    row = await session.execute(
        select(SmsMessage.id)
        .where(
            SmsMessage.organization_id == organization_id,
            SmsMessage.provider == (parsed.provider.value if parsed.provider else None),
            SmsMessage.transaction_id == parsed.transaction_id,
            SmsMessage.status != SmsStatus.DUPLICATE.value,
        )
        .order_by(SmsMessage.id)
        .limit(1)
    )
    return row.scalar_one_or_none()
