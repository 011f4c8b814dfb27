"""`ibimina sms parse`: plain and JSON lines in, one JSON object per message out."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli.sms import sms

RECEIVED = (
    "You have received 7500 RWF from Ogabor JULIUS INEJI (*********901) at 2026-08-18 10:37:10 . "
    "Balance:7675 RWF. FT Id: 29945559123"
)
AIRTEL = (
    "*151*Txn ID CI260629.0959.B00815*R You have received RWF 500 from 727937980 niyoyandinze felix."
    "Your NEW BALANCE is RWF 500. *EN#"
)


def _run(stdin: str, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(sms, ["parse", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_plain_lines() -> None:
    out = _run(f"{RECEIVED}\n\nhello there\n")
    assert len(out) == 2  # the blank line is not a message
    first = out[0]
    assert first == {
        "kind": "received",
        "amount": 7500,
        "currency": "RWF",
        "transaction_id": "29945559123",
        "counterparty_name": "Ogabor JULIUS INEJI",
        "counterparty_phone": "*********901",
        "reference": None,
        "occurred_at": "2026-08-18T10:37:10+02:00",
        "balance": 7675,
        "fee": None,
        "provider": "mtn_momo",
        "parsed": True,
        "template": "mtn.received",
        "error": None,
    }
    assert out[1]["kind"] == "other" and out[1]["parsed"] is False and out[1]["amount"] is None


def test_json_lines_with_sender_and_received_at() -> None:
    line = json.dumps({"sender": "AirtelMoney", "body": AIRTEL, "received_at": 1782719940000})
    (out,) = _run(line + "\n")
    assert out["provider"] == "airtel_money"
    assert out["transaction_id"] == "CI260629.0959.B00815"
    assert out["counterparty_phone"] == "+250727937980"
    assert out["occurred_at"] == "2026-06-29T09:59:00+02:00"  # from received_at: Airtel has no time


def test_options_apply_to_plain_lines() -> None:
    (out,) = _run(AIRTEL + "\n", "--sender", "AirtelMoney", "--received-at", "2026-06-29T09:59:00+02:00")
    assert out["provider"] == "airtel_money" and out["occurred_at"] == "2026-06-29T09:59:00+02:00"


def test_bad_json_lines_are_reported_not_fatal() -> None:
    out = _run('{"body": \n{"sender": "M-Money"}\n[1, 2]\n' + RECEIVED + "\n")
    assert [o["parsed"] for o in out] == [False, False, False, True]
    assert "invalid JSON" in str(out[0]["error"])
    assert "body" in str(out[1]["error"])
    assert out[2]["error"] == "no template matched"  # "[1, 2]" is not JSON-object mode: a plain line


def test_non_ascii_is_printed_as_is() -> None:
    body = RECEIVED.replace("Ogabor JULIUS INEJI", "Ngabo Éric")
    result = CliRunner().invoke(sms, ["parse"], input=body + "\n")
    assert "Ngabo Éric" in result.output
