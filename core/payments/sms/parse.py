"""The SMS parsing entry point: picks the provider, never raises, never invents a payment."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from core.payments.sms.airtel import parse_airtel
from core.payments.sms.fields import FLAGS, coerce_timestamp, normalize_text
from core.payments.sms.mtn import parse_mtn
from core.payments.sms.types import Draft, ParsedSms, SmsProvider

__all__ = ["parse_sms", "provider_hint"]

_Parser = Callable[[str], Draft | None]
_MTN: tuple[SmsProvider, _Parser] = (SmsProvider.MTN_MOMO, parse_mtn)
_AIRTEL: tuple[SmsProvider, _Parser] = (SmsProvider.AIRTEL_MONEY, parse_airtel)
_MTN_FIRST = (_MTN, _AIRTEL)
_AIRTEL_FIRST = (_AIRTEL, _MTN)


def provider_hint(sender: str | None) -> SmsProvider | None:
    """The provider an SMS sender id suggests ("M-Money", "MTN", "AirtelMoney"), if any."""
    if not sender:
        return None
    key = sender.lower().replace(" ", "").replace("-", "").replace("_", "")
    if "airtel" in key:
        return SmsProvider.AIRTEL_MONEY
    if "mmoney" in key or "mtn" in key or "momo" in key:
        return SmsProvider.MTN_MOMO
    return None


# Messages that are known not to be payments: (template, provider, marker regex).
_OTP = re.compile(r"<#>|one[\s-]time\spassword|verification\scode|\botp\b", FLAGS)
_BUNDLE = re.compile(r"umaze\skugura|bundle\spurchase", FLAGS)
_REGISTERED = re.compile(r"registered\sfor\sa\smobile\smoney\saccount", FLAGS)
_MPESA = re.compile(r"m-?pesa|\bksh\s?\d", FLAGS)
_BANK = re.compile(
    r"^(?:bk|bpr|i&m|equity|kcb|cogebank|access|gt\s?bank|ecobank)\b.*\b(?:bank|account|a/c)\b"
    r"|\bhas\sbeen\s(?:debited|credited)\b",
    FLAGS,
)


def _other(text: str, hint: SmsProvider | None, received: datetime | None) -> ParsedSms:
    """Classify a message no payment template opened: a known non-payment, or unrecognised."""
    if _OTP.search(text):
        return ParsedSms(provider=hint, occurred_at=received, template="otp", parsed=True)
    if _BUNDLE.search(text):
        return ParsedSms(
            provider=SmsProvider.MTN_MOMO, occurred_at=received, template="mtn.bundle", parsed=True
        )
    if _REGISTERED.search(text):
        return ParsedSms(
            provider=SmsProvider.MTN_MOMO, occurred_at=received, template="mtn.registration", parsed=True
        )
    if _MPESA.search(text):
        error = "M-Pesa message: not a Rwandan mobile-money provider"
        return ParsedSms(occurred_at=received, template="foreign.mpesa", error=error)
    if _BANK.search(text):
        return ParsedSms(occurred_at=received, template="bank", error="bank alert: no bank parser")
    return ParsedSms(provider=hint, occurred_at=received, error="no template matched")


def _from_draft(draft: Draft, provider: SmsProvider, received: datetime | None) -> ParsedSms:
    if draft.amount is None:
        # A template opened but no amount could be read: report it, never guess a payment.
        return ParsedSms(
            provider=provider,
            occurred_at=received,
            template=draft.template,
            error=f"{draft.template}: no amount found",
        )
    error = None
    if draft.timestamp_text is not None:
        error = f"unreadable timestamp {draft.timestamp_text!r}: used the received time"
    return ParsedSms(
        kind=draft.kind,
        provider=provider,
        amount=draft.amount,
        currency="RWF",
        counterparty_name=draft.counterparty_name,
        counterparty_phone=draft.counterparty_phone,
        merchant_code=draft.merchant_code,
        transaction_id=draft.transaction_id,
        external_transaction_id=draft.external_transaction_id,
        occurred_at=draft.occurred_at or received,
        reference=draft.reference,
        balance=draft.balance,
        fee=draft.fee,
        template=draft.template,
        parsed=True,
        error=error,
    )


def _parse(body: str, sender: str | None, received_at: object) -> ParsedSms:
    received = coerce_timestamp(received_at)
    if not isinstance(body, str):
        return ParsedSms(occurred_at=received, error=f"body is {type(body).__name__}, not text")
    text = normalize_text(body)
    if not text:
        return ParsedSms(occurred_at=received, error="empty message")
    hint = provider_hint(sender)
    if "rwf" in text.lower() or "frw" in text.lower():
        for provider, parser in _AIRTEL_FIRST if hint is SmsProvider.AIRTEL_MONEY else _MTN_FIRST:
            draft = parser(text)
            if draft is not None:
                return _from_draft(draft, provider, received)
    return _other(text, hint, received)


def parse_sms(
    body: str, *, sender: str | None = None, received_at: datetime | str | float | None = None
) -> ParsedSms:
    """Parse one MTN MoMo / Airtel Money Rwanda SMS. Never raises.

    ``sender`` is the SMS sender id (e.g. "M-Money"), used to try that provider first. ``received_at`` is
    when the phone got the SMS (aware, naive = Kigali time, or epoch/ISO as forwarders send it); it
    stands in for ``occurred_at`` when the text has no timestamp. Anything that is not a confirmation
    comes back as kind ``other`` with no amount; unrecognised text has ``parsed=False`` and an ``error``.
    """
    try:
        return _parse(body, sender, received_at)
    except Exception as exc:  # a bug here must not stop an ingest batch: report it on the message
        return ParsedSms(error=f"internal parser error: {type(exc).__name__}: {exc}")
