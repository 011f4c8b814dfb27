"""Shared SMS field helpers: money, phones, timestamps, references, merchant codes, the field chain."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from core.payments.sms import KIGALI, SmsProvider, provider_hint
from core.payments.sms.fields import (
    FieldRule,
    FieldTable,
    clean_reference,
    coerce_timestamp,
    core_text,
    normalize_phone,
    normalize_text,
    parse_money,
    parse_timestamp,
    split_merchant_code,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2000 RWF", 2000),
        ("1,000 RWF", 1000),
        ("1,250,000 RWF", 1250000),
        ("100RWF", 100),
        ("RWF 500", 500),
        ("RWF1355200", 1355200),
        ("2,000.00 RWF", 2000),
        ("2000FRW", 2000),
        ("12.50 RWF", None),  # RWF has no cents: never round a fraction into a payment
        ("RWF", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_money(raw: str | None, expected: int | None) -> None:
    assert parse_money(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("250788123456", "+250788123456"),
        ("+250788123456", "+250788123456"),
        ("0788123456", "+250788123456"),
        ("788123456", "+250788123456"),
        ("732561240", "+250732561240"),
        ("*********013", "*********013"),
        ("2507XXXXXXXX", "2507XXXXXXXX"),
        ("36521838", "36521838"),  # an account number: kept, not forced into a phone
        ("FDI", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_phone(raw: str | None, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_parse_timestamp_variants() -> None:
    plain = parse_timestamp("2024-05-10 16:30:51")
    assert plain == datetime(2024, 5, 10, 14, 30, 51, tzinfo=UTC)
    assert plain is not None and plain.isoformat() == "2024-05-10T16:30:51+02:00"
    iso = parse_timestamp("2026-09-04T08:45:12.498+02:00")
    assert iso is not None and iso.isoformat() == "2026-09-04T08:45:12.498000+02:00"
    utc = parse_timestamp("2026-09-04T06:45:12Z")
    assert utc is not None and utc.utcoffset() == KIGALI.utcoffset(utc) and utc.hour == 8
    assert parse_timestamp("2026-13-02 03:04:05") is None
    assert parse_timestamp("2026-02-30 03:04") is None


def test_coerce_timestamp() -> None:
    assert coerce_timestamp(None) is None
    assert coerce_timestamp(True) is None
    assert coerce_timestamp("") is None
    assert coerce_timestamp("garbage") is None
    assert coerce_timestamp(10**30) is None
    assert coerce_timestamp(object()) is None
    ms = coerce_timestamp("1715351458724")
    assert ms is not None and ms.isoformat() == "2024-05-10T16:30:58.724000+02:00"
    assert coerce_timestamp(1715351458.724) == ms


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" ref 1234-5678. ", "ref 1234-5678"),
        ("-", None),
        ("- -", None),
        ("- parking", "parking"),
        ("Optional.absent()", None),
        ("", None),
        (None, None),
        ("umusanzu wa Mata", "umusanzu wa Mata"),
    ],
)
def test_clean_reference(raw: str | None, expected: str | None) -> None:
    assert clean_reference(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KMLVIO CENTER AND MILK ZONE SHOP 093011", ("KMLVIO CENTER AND MILK ZONE SHOP", "093011")),
        ("Jane Smith 12845", ("Jane Smith", "12845")),
        ("Airtime", ("Airtime", None)),
        ("SHOP 1234", ("SHOP 1234", None)),  # 4 digits: part of the name
        ("SHOP 12345678", ("SHOP 12345678", None)),
        ("12345", ("12345", None)),
        (None, (None, None)),
    ],
)
def test_split_merchant_code(raw: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_merchant_code(raw) == expected


def test_normalize_text_and_core_text() -> None:
    assert normalize_text("a\n b\t\u00a0c  d") == "a b c d"
    assert normalize_text("Y\u2019ello") == "Y'ello"
    assert core_text("Fee 0 RWF.*EN#Kanda *182*16#") == "Fee 0 RWF."
    assert core_text("Fee 0 RWF.Kanda*182*16# wiyandikishe") == "Fee 0 RWF.Kanda"
    assert core_text("see www.mtn.co.rw") == "see "
    assert core_text("*165*S*10 RWF") == "*165*S*10 RWF"  # a leading type tag is not a dial code


def test_field_table_stops_at_the_first_unlabelled_text() -> None:
    table = FieldTable(
        [
            FieldRule("balance", "b", re.compile(r"balance:\s?(?P<v>\d+)", re.I)),
            FieldRule("fee", "f", re.compile(r"fee\s(?P<v>\d+)", re.I)),
            FieldRule("_", "t", re.compile(r"thanks", re.I)),
        ]
    )
    text = "head. Balance: 5. thanks. Fee 2. Kanda 99. Balance: 7. Fee 9"
    assert table.scan(text, len("head")) == {"balance": "5", "_": None, "fee": "2"}
    assert table.scan("Balance: 5. Balance: 6", 0) == {"balance": "5"}  # the first one wins
    assert table.scan("", 0) == {}


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("M-Money", SmsProvider.MTN_MOMO),
        ("MTN", SmsProvider.MTN_MOMO),
        ("MoMo", SmsProvider.MTN_MOMO),
        ("AirtelMoney", SmsProvider.AIRTEL_MONEY),
        ("Airtel Money", SmsProvider.AIRTEL_MONEY),
        ("BK", None),
        ("+250788123456", None),
        (None, None),
        ("", None),
    ],
)
def test_provider_hint(sender: str | None, expected: SmsProvider | None) -> None:
    assert provider_hint(sender) == expected
