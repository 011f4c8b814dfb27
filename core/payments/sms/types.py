"""Values of SMS parsing: the kind of message, the provider, the parsed result and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["INCOMING_KINDS", "Draft", "ParsedSms", "SmsKind", "SmsProvider", "to_json_dict"]


class SmsKind(StrEnum):
    """What the message says happened to the wallet that received the SMS."""

    RECEIVED = "received"  # money in from a person or business
    PAYMENT = "payment"  # money out to a merchant, partner or bill
    TRANSFER = "transfer"  # money out to a person's wallet
    DEPOSIT = "deposit"  # cash or bank money in
    WITHDRAWAL = "withdrawal"  # cash out at an agent
    REVERSAL = "reversal"  # an earlier transaction undone
    REFUND = "refund"  # a merchant gave money back
    FAILED = "failed"  # an attempt that moved no money
    OTHER = "other"  # not a money movement (OTP, promotion, bundle, foreign provider, unknown)


INCOMING_KINDS = frozenset({SmsKind.RECEIVED, SmsKind.DEPOSIT, SmsKind.REFUND, SmsKind.REVERSAL})


class SmsProvider(StrEnum):
    MTN_MOMO = "mtn_momo"
    AIRTEL_MONEY = "airtel_money"


@dataclass(frozen=True, slots=True)
class ParsedSms:
    """One confirmation SMS read into fields; ``parsed`` is False, ``error`` says why, when no template fits.

    Amounts, balance and fee are whole RWF. ``occurred_at`` is aware, in Kigali time; it is the SMS's
    received time when the text carries none. ``template`` names the template family that matched.
    """

    kind: SmsKind = SmsKind.OTHER
    provider: SmsProvider | None = None
    amount: int | None = None
    currency: str | None = None
    counterparty_name: str | None = None
    counterparty_phone: str | None = None
    merchant_code: str | None = None
    transaction_id: str | None = None
    external_transaction_id: str | None = None
    occurred_at: datetime | None = None
    reference: str | None = None
    balance: int | None = None
    fee: int | None = None
    template: str | None = None
    parsed: bool = False
    error: str | None = None

    @property
    def is_incoming(self) -> bool:
        """True when the message reports money arriving in the wallet that received it."""
        return self.parsed and self.kind in INCOMING_KINDS and self.amount is not None


@dataclass(slots=True)
class Draft:
    """What a provider module extracts before the dispatcher settles time and provider (internal)."""

    kind: SmsKind
    template: str
    amount: int | None = None
    counterparty_name: str | None = None
    counterparty_phone: str | None = None
    merchant_code: str | None = None
    transaction_id: str | None = None
    external_transaction_id: str | None = None
    occurred_at: datetime | None = None
    timestamp_text: str | None = None  # set when the text had a timestamp that could not be read
    reference: str | None = None
    balance: int | None = None
    fee: int | None = None


def to_json_dict(p: ParsedSms) -> dict[str, Any]:
    """The CLI/JSON view: fixed keys, null where absent, ``occurred_at`` in ISO 8601 with its offset."""
    return {
        "kind": p.kind.value,
        "amount": p.amount,
        "currency": p.currency,
        "transaction_id": p.transaction_id,
        "counterparty_name": p.counterparty_name,
        "counterparty_phone": p.counterparty_phone,
        "reference": p.reference,
        "occurred_at": p.occurred_at.isoformat() if p.occurred_at is not None else None,
        "balance": p.balance,
        "fee": p.fee,
        "provider": p.provider.value if p.provider is not None else None,
        "parsed": p.parsed,
        "template": p.template,
        "error": p.error,
    }
