"""MTN MoMo Rwanda confirmation SMS: the template families of 2024-2026 (shared/reference/momo-sms.md)."""

from __future__ import annotations

import re

from core.payments.sms.fields import (
    FLAGS,
    MONEY,
    TS,
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
    split_merchant_code,
    template_head,
)
from core.payments.sms.types import Draft, SmsKind

__all__ = ["parse_mtn"]

# A leading type tag (*165*S*, *162*TxId:{id}*S*, *113*R*), a bare "TxId:{id}*S*" / "TxId: {id}." or
# "TransactionId: {id}", then an optional "Y'ello," greeting. Always matches, possibly empty.
_PREFIX = re.compile(
    r"(?:\*\d{2,3}\*(?:txid:\s?(?P<t1>\d+)\s?\*)?[sr]\*"
    r"|txid:\s?(?P<t2>\d+)\s?(?:\*[sr]\*|\.)"
    r"|transaction\s?id:\s?(?P<t3>\d+)\.?)?"
    r"\s?(?:y'?ello[,.!]?\s?)?",
    FLAGS,
)

# Labels that may follow a free-text message field; the message ends at ". " before one of them.
_NEXT = (
    r"(?:your\snew|new\sbalance|balance|fee|financial|ft\sid|external|et\sid|message|thank|txid"
    r"|transaction\s?id|please|cash\sdeposit)"
)
_UNTIL = (
    rf"(?P<v>.*?)\s?(?:\.\s?(?={_NEXT})|\s(?=(?:your\snew\sbalance|balance\s?:|fee\b|ft\sid|financial))|\.?$)"
)

_TABLE = FieldTable(
    [
        FieldRule(
            "balance",
            "ybn",
            re.compile(rf"(?:your\s)?(?:new\s)?balance(?:\sis)?\s?:?\s?(?P<v>{MONEY})?", FLAGS),
        ),
        FieldRule(
            "txid", "f", re.compile(r"(?:financial\stransaction\sid|ft\sid)\s?:?\s?(?P<v>\d{4,20})", FLAGS)
        ),
        FieldRule("fee", "f", re.compile(rf"fee(?:\swas|\spaid)?\s?:?\s?(?P<v>{MONEY})?", FLAGS)),
        FieldRule("txid", "t", re.compile(r"(?:txid|transaction\s?id)\s?:?\s?(?P<v>\d{4,20})", FLAGS)),
        FieldRule(
            "ext",
            "e",
            re.compile(r"(?:external\stransaction\sid|et\sid)\s?:?\s?(?P<v>[^\s*]*?)\.?(?=\s|$)", FLAGS),
        ),
        FieldRule(
            "message", "m", re.compile(rf"message\sfrom\s(?:sender|debit\sreceiver)\s?:?\s?{_UNTIL}", FLAGS)
        ),
        FieldRule("partner_message", "m", re.compile(rf"message\s?:\s?{_UNTIL}", FLAGS)),
        FieldRule(
            "_",
            "m",
            re.compile(rf"message\s(?:to\sreceiver|from\sagent|from\srefunder)\s?:?\s?{_UNTIL}", FLAGS),
        ),
        FieldRule("_", "t", re.compile(r"thank\syou\sfor\susing\smtn\smobile\s?money", FLAGS)),
        FieldRule(
            "deposit_phone",
            "c",
            re.compile(r"cash\sdeposit::[A-Za-z0-9:]*?(?P<v>\d{9,12})?(?=[.\s]|$)", FLAGS),
        ),
        FieldRule("_", "a", re.compile(r"and\syou\scan\snow\scollect\syour\smoney\sin\scash", FLAGS)),
        FieldRule(
            "_", "p", re.compile(r"please\scontact\smobile\s?money\shelp\s?line\sfor\sassistance", FLAGS)
        ),
    ]
)

# An id anywhere in the text: the fallback when the field chain stopped before the id.
_ANY_TXID = re.compile(
    r"(?:financial\stransaction\sid|ft\sid|txid|transaction\s?id)\s?:?\s?(\d{6,20})", FLAGS
)

_AMOUNT = rf"(?P<amount>{MONEY})"
_PHONE = r"\((?P<phone>[*+\d ]{3,16})\)"
_AT = rf"\sat\s{TS}"


_HEADS = (
    template_head(
        "you have received",
        "mtn.received",
        SmsKind.RECEIVED,
        rf"you\shave\sreceived\s{_AMOUNT}\sfrom\s(?P<name>.+?)(?:\s?{_PHONE})?"
        rf"(?:\son\syour\smobile\smoney\saccount)?{_AT}",
    ),
    template_head(
        "your payment of",
        "mtn.payment",
        SmsKind.PAYMENT,
        rf"your\spayment\sof\s{_AMOUNT}\sto\s(?P<name>.+?)(?:\swith\stoken\s?(?P<token>[\d-]*))?"
        r"(?:\s?and\s(?:et|external\stransaction)\sid\s?:\s?(?P<ext>\S*?))?"
        rf"\s(?P<status>(?:has\sbeen\s|was\s)?completed|successful|(?:has\s)?failed){_AT}",
        merchant=True,
    ),
    template_head(
        " transferred to ",
        "mtn.transfer",
        SmsKind.TRANSFER,
        rf"{_AMOUNT}\stransferred\sto\s(?P<name>.+?)\s?{_PHONE}(?:\sfrom\s(?P<account>\S+))?{_AT}",
    ),
    template_head(
        "a transaction of",
        "mtn.debit",
        SmsKind.PAYMENT,
        rf"a\stransaction\sof\s{_AMOUNT}\sby\s(?P<name>.+?)(?:\son\syour\smomo\saccount)?"
        rf"\swas\s(?:successfully\s)?completed{_AT}",
        merchant=True,
    ),
    template_head(
        "bank deposit of",
        "mtn.bank_deposit",
        SmsKind.DEPOSIT,
        rf"a\sbank\sdeposit\sof\s{_AMOUNT}\shas\sbeen\sadded\sto\syour\smobile\smoney\saccount{_AT}",
    ),
    template_head(
        "you have transferred",
        "mtn.bank_push",
        SmsKind.TRANSFER,
        rf"you\shave\stransferred\s{_AMOUNT}\sto\s(?P<name>.+?)\s?{_PHONE}"
        rf"\sfrom\syour\smobile\smoney\saccount\s?(?P<account>.*?){_AT}",
    ),
    template_head(
        "via agent",
        "mtn.withdrawal",
        SmsKind.WITHDRAWAL,
        r"you\s.+?\s?\([^()]*\)\s?have\svia\sagent:?\s?(?:agent\s)?(?P<name>.+?)\s?"
        rf"{_PHONE},?\s?withdrawn\s{_AMOUNT}\sfrom\syour\smobile\smoney\saccount:?\s?(?P<account>\S*?){_AT}",
    ),
    template_head(
        "the transaction with amount",
        "mtn.failed_debit",
        SmsKind.FAILED,
        rf"the\stransaction\swith\samount\s{_AMOUNT}\sfor\s(?P<name>.+?)\swith\smessage:?\s?(?P<msg>.*?)"
        rf"\s?failed{_AT}",
    ),
    template_head(
        "your transfer of",
        "mtn.failed_transfer",
        SmsKind.FAILED,
        rf"your\stransfer\sof\s{_AMOUNT}\sto\s(?P<name>.+?)(?:\s?{_PHONE})?\s(?:has\s)?failed(?:{_AT})?",
    ),
    template_head(
        "reversal has been initiated",
        "mtn.reversal_initiated",
        SmsKind.REVERSAL,
        rf"a\sreversal\shas\sbeen\sinitiated\sfor\syour\stransaction\sto\s(?P<name>.+?)\s?{_PHONE}"
        rf"\swith\s{_AMOUNT}",
    ),
    template_head(
        "has been reversed",
        "mtn.reversal",
        SmsKind.REVERSAL,
        rf"your\stransaction\sto\s(?P<name>.+?)\s?{_PHONE}\swith\s{_AMOUNT}\shas\sbeen\sreversed{_AT}",
    ),
    template_head(
        "refunded",
        "mtn.refund",
        SmsKind.REFUND,
        rf"(?P<name>.+?)\shas\ssuccessfully\srefunded\s{_AMOUNT}\sto\syour\smobile\smoney\saccount{_AT}",
        merchant=True,
    ),
    template_head(
        "pay your loan",
        "mtn.loan_repayment",
        SmsKind.PAYMENT,
        rf"{_AMOUNT}\shas\sbeen\sused\sto\spay\syour\sloan{_AT}",
    ),
)


def parse_mtn(text: str) -> Draft | None:
    """Read a normalised MTN MoMo SMS, or return None when no template family opens it."""
    prefix = _PREFIX.match(text)
    start = prefix.end() if prefix else 0
    core = core_text(text[start:])
    found = match_head(_HEADS, core)
    if found is None:
        return None
    head, match = found
    prefix_id = (prefix.group("t1") or prefix.group("t2") or prefix.group("t3")) if prefix else None
    return _draft(head, match, core, prefix_id, text)


def _draft(head: TemplateHead, match: re.Match[str], core: str, prefix_id: str | None, text: str) -> Draft:
    groups = match.groupdict()
    found = _TABLE.scan(core, match.end())
    kind, template = head.kind, head.template
    status = groups.get("status")
    if status is not None and "fail" in status.lower():
        kind, template = SmsKind.FAILED, "mtn.payment_failed"
    name, code = clean_name(groups.get("name")), None
    if head.merchant:
        name, code = split_merchant_code(name)
    transaction_id = prefix_id or found.get("txid")
    if transaction_id is None:
        anywhere = _ANY_TXID.search(text)
        transaction_id = anywhere.group(1) if anywhere else None
    ts = groups.get("ts")
    occurred_at = parse_timestamp(ts) if ts else None
    message = found.get("message") or groups.get("msg") or found.get("partner_message")
    return Draft(
        kind=kind,
        template=template,
        amount=parse_money(groups.get("amount")),
        counterparty_name=name,
        counterparty_phone=normalize_phone(groups.get("phone"))
        or normalize_phone(found.get("deposit_phone")),
        merchant_code=code,
        transaction_id=transaction_id,
        external_transaction_id=clean_reference(groups.get("ext") or found.get("ext")),
        occurred_at=occurred_at,
        timestamp_text=ts if ts and occurred_at is None else None,
        reference=clean_reference(message),
        balance=parse_money(found.get("balance")),
        fee=parse_money(found.get("fee")),
    )
