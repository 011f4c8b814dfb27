"""Test helpers for mobile-money payments: confirmation SMS texts, storing them, a member's payment code."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import select

from core.db.database import Database
from core.payments.inbox import IncomingSms, StoredSms, store_messages
from core.payments.models import PaymentCode

_txn = itertools.count(int(datetime.now(UTC).timestamp()) % 10**6 * 10**4)

MTN_RECEIVED = (
    "You have received {amount} RWF from {name} ({phone}) at 2026-10-06 10:00:00 . "
    "Message from sender: {ref}. Balance:250,000 RWF. FT Id: {txn}"
)
AIRTEL_RECEIVED = "*151*Txn ID {txn}*R You have received RWF {amount} from {phone9} {name}.Your NEW BALANCE is RWF 90000. *EN#"


def next_txn() -> str:
    """A fresh 11-digit MTN transaction id."""
    return f"7{next(_txn) % 10**10:010d}"


def mtn_received(amount: int, ref: str = "", *, name: str = "Jean HABIMANA", phone: str = "*********013",
                 txn: str | None = None) -> IncomingSms:
    body = MTN_RECEIVED.format(amount=f"{amount:,}", name=name, phone=phone, ref=ref, txn=txn or next_txn())
    return IncomingSms("M-Money", body, datetime(2026, 10, 6, 8, 0, 5, tzinfo=UTC))


def airtel_received(amount: int, phone9: str, *, name: str = "JEAN HABIMANA", txn: str | None = None) -> IncomingSms:
    body = AIRTEL_RECEIVED.format(amount=amount, phone9=phone9, name=name, txn=txn or f"CI261006.{next_txn()[-8:]}")
    return IncomingSms("AirtelMoney", body, datetime(2026, 10, 6, 8, 0, 5, tzinfo=UTC))


async def store(db: Database, organization_id: int, *messages: IncomingSms) -> list[StoredSms]:
    async with db.tenant(organization_id) as s:
        return await store_messages(s, organization_id=organization_id, messages=list(messages), source="forwarder")


async def code_of(db: Database, organization_id: int, member_id: int, group_id: int | None = None) -> str:
    async with db.tenant(organization_id) as s:
        query = select(PaymentCode.code).where(PaymentCode.member_id == member_id, PaymentCode.status == "active")
        if group_id is not None:
            query = query.where(PaymentCode.group_id == group_id)
        return (await s.execute(query.order_by(PaymentCode.id).limit(1))).scalar_one()
