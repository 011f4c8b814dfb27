"""Airtel Money Rwanda SMS: currency first ("RWF 500"), 9-digit phones, ids like CI260629.0959.B00815."""

from __future__ import annotations

import re
from datetime import datetime

from core.payments.sms.fields import (
    FLAGS,
    KIGALI,
    MONEY,
    FieldRule,
    FieldTable,
    TemplateHead,
    clean_name,
    clean_reference,
    core_text,
    match_head,
    normalize_phone,
    parse_money,
    parse_timestamp,
    template_head,
)
from core.payments.sms.types import Draft, SmsKind

__all__ = ["parse_airtel"]

# Airtel's own ids (two letters, yymmdd.hhmm, a letter and digits) or a plain long number.
_ID = r"(?:[A-Z]{2}\d{6}\.\d{4}\.[A-Z]\d{3,7}|\d{6,20})"
_ID_LABEL = r"(?:txn\s?\.?\s?id|tid|trans\s?\.?\s?id|transaction\sid)"

# "*151*Txn ID {id}*R " or "*165* TID {id}*S* ": a type tag carrying the id.
_PREFIX = re.compile(rf"\*?\d{{2,3}}\*\s?(?:{_ID_LABEL}\s?:?\s?(?P<tid>[A-Z0-9.]+?))?\s?\*[sr]\*?\s?", FLAGS)

_DATE = r"\d{1,2}-[A-Za-z]{3,9}-\d{4}\s\d{1,2}:\d{2}(?::\d{2})?|\d{4}-\d{2}-\d{2}\s\d{2}:\d{2}(?::\d{2})?"

_TABLE = FieldTable(
    [
        FieldRule(
            "balance",
            "yanb",
            re.compile(
                rf"(?:your\s|airtel\smoney\s)?(?:new\s)?(?:balance|bal)\b(?:\sis)?\s?:?\s?(?P<v>{MONEY})?",
                FLAGS,
            ),
        ),
        FieldRule("amount", "a", re.compile(rf"(?:amt|amount)\s?:?\s?(?P<v>{MONEY})", FLAGS)),
        FieldRule("fee", "fc", re.compile(rf"(?:fee|charges?)\b\s?:?\s?(?P<v>{MONEY})?", FLAGS)),
        FieldRule("tid", "t", re.compile(rf"{_ID_LABEL}\s?:?\s?(?P<v>{_ID})", FLAGS)),
        FieldRule("date", "d0123456789", re.compile(rf"(?:date\s?:?\s?)?(?P<v>{_DATE})", FLAGS)),
        FieldRule("reference", "rm", re.compile(r"(?:reason|ref|message)\s?:\s?(?P<v>[^.]*)", FLAGS)),
        FieldRule("_", "w", re.compile(r"with\sagent(?:\sid)?\s?:?\s?(?P<v>\d+)", FLAGS)),
    ]
)

_AMOUNT = rf"(?P<amount>{MONEY})"
_DOT = r"\s?\.?\s?"  # "SENT.TID", "RECEIVED. TID", "RECEIVED . TID"
_TAG_ID = rf"(?:{_ID_LABEL}\s?:?\s?(?P<tid>{_ID}){_DOT})?"
# "727937980 niyoyandinze felix" or "732561240, ARIANE ISHIMWE": Airtel puts the sender's phone first.
# Names hold no digits, so a bank's "from JOHN DOE on 02-10-2026." is not read as an Airtel receipt.
_FROM = r"(?:(?P<phone>\+?\d{9,12}),?\s?)?(?P<name>[^.,\d]*?)"
_PARTY_END = r"\s?(?=[.,]|\bcharges?\b|\bfee\b|\bwith\b|$)"


_HEADS = (
    template_head(
        "you have received",
        "airtel.received",
        SmsKind.RECEIVED,
        rf"you\shave\sreceived\s{_AMOUNT}\sfrom\s{_FROM}\s?(?=\.|$)",
    ),
    template_head(
        "received",
        "airtel.received",
        SmsKind.RECEIVED,
        rf"received{_DOT}{_TAG_ID}{_AMOUNT}\sfrom\s{_FROM}{_PARTY_END}",
    ),
    template_head(
        "sent to",
        "airtel.sent_other_network",
        SmsKind.TRANSFER,
        r"sent\sto\s(?P<name>[^.]+?)(?:\sin\s(?P<network>[A-Za-z]+))?\s?(?=\.)",
    ),
    template_head(
        "money sent to",
        "airtel.money_sent",
        SmsKind.TRANSFER,
        r"money\ssent\sto\s(?P<name>[^.]+?)\son\s(?P<phone>\+?\d{9,12})\s?(?=\.|$)",
    ),
    template_head(
        "sent",
        "airtel.sent",
        SmsKind.TRANSFER,
        rf"sent{_DOT}{_TAG_ID}{_AMOUNT}\sto\s(?P<party>[^.,]*?){_PARTY_END}",
    ),
    template_head(
        "paid",
        "airtel.paid",
        SmsKind.PAYMENT,
        rf"paid{_DOT}{_TAG_ID}{_AMOUNT}(?:\sto\s(?P<party>[^.,]*?))?{_PARTY_END}",
    ),
    template_head(
        "till number",
        "airtel.till_payment",
        SmsKind.PAYMENT,
        rf"payment\sof\s{_AMOUNT}\s(?:to\s)?till\snumber\s(?P<code>\d{{3,10}})\s(?P<name>[^.]+?)\s?(?=\.|$)",
    ),
    template_head(
        "cash deposit",
        "airtel.cash_deposit",
        SmsKind.DEPOSIT,
        rf"cash\sdeposit{_DOT}{_TAG_ID}(?:of\s)?{_AMOUNT}(?:\sfrom\s(?P<party>[^.,]*?))?{_PARTY_END}",
    ),
    template_head(
        "withdrawn", "airtel.withdrawn", SmsKind.WITHDRAWAL, rf"withdrawn{_DOT}{_TAG_ID}{_AMOUNT}{_PARTY_END}"
    ),
    template_head(
        "transaction failed",
        "airtel.failed",
        SmsKind.FAILED,
        rf"transaction\sfailed{_DOT}{_TAG_ID}(?:{_AMOUNT})?(?:\sto\s(?P<party>[^.,]*?))?{_PARTY_END}",
    ),
)


def _is_phone(token: str) -> bool:
    digits = token[1:] if token.startswith("+") else token
    return digits.isdecimal() and 9 <= len(digits) <= 12


def _party(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """Name, phone and merchant code: "732561240, ARIANE ISHIMWE", "JEAN BOSCO 0732561240", "SHOP 300770"."""
    text = clean_name(raw)
    if text is None:
        return None, None, None
    first, _, rest = text.partition(" ")
    first = first.rstrip(",")
    if _is_phone(first):
        return clean_name(rest), normalize_phone(first), None
    head, _, last = text.rpartition(" ")
    if head and _is_phone(last):
        return clean_name(head), normalize_phone(last), None
    if head and last.isdecimal() and 5 <= len(last) <= 7:
        return clean_name(head), None, last
    return text, None, None


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DMY = re.compile(r"(\d{1,2})-([A-Za-z]{3,9})-(\d{4})\s(\d{1,2}):(\d{2})(?::(\d{2}))?", FLAGS)


def _airtel_date(raw: str) -> datetime | None:
    """ "20-March-2026 20:36" (or ISO-like "2026-03-20 20:36") as Kigali time."""
    match = _DMY.fullmatch(raw)
    if match is None:
        return parse_timestamp(raw if raw.count(":") == 2 else raw + ":00")
    day, month_name, year, hour, minute, second = match.groups()
    month = _MONTHS.get(month_name[:3].lower())
    if month is None:
        return None
    try:
        return datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0), tzinfo=KIGALI)
    except ValueError:
        return None


def parse_airtel(text: str) -> Draft | None:
    """Read a normalised Airtel Money SMS, or return None when no template family opens it."""
    prefix = _PREFIX.match(text)
    start = prefix.end() if prefix else 0
    core = core_text(text[start:])
    found = match_head(_HEADS, core)
    if found is None:
        return None
    head, match = found
    return _draft(head, match, core, prefix.group("tid") if prefix else None)


def _draft(head: TemplateHead, match: re.Match[str], core: str, prefix_id: str | None) -> Draft:
    groups = match.groupdict()
    found = _TABLE.scan(core, match.end())
    name, phone, code = _party(groups.get("party"))
    name = name or clean_name(groups.get("name"))
    phone = phone or normalize_phone(groups.get("phone"))
    date_text = found.get("date")
    occurred_at = _airtel_date(date_text) if date_text else None
    return Draft(
        kind=head.kind,
        template=head.template,
        amount=parse_money(groups.get("amount")) or parse_money(found.get("amount")),
        counterparty_name=name,
        counterparty_phone=phone,
        merchant_code=code or groups.get("code"),
        transaction_id=groups.get("tid") or prefix_id or found.get("tid"),
        occurred_at=occurred_at,
        timestamp_text=date_text if date_text and occurred_at is None else None,
        reference=clean_reference(found.get("reference")),
        balance=parse_money(found.get("balance")),
        fee=parse_money(found.get("fee")),
    )
