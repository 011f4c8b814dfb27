"""Every recorded SMS in tests/fixtures/sms/*.jsonl parses to exactly its expected fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.payments.sms import coerce_timestamp, parse_sms, to_json_dict

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sms"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                cases.append(pytest.param(row, id=f"{path.stem}:{row['name']}"))
    return cases


CASES = _cases()


def test_fixture_corpus_is_substantial() -> None:
    assert len(CASES) >= 60
    families = {c.values[0]["expected"]["template"] for c in CASES}
    assert len(families) >= 25


@pytest.mark.parametrize("row", CASES)
def test_fixture(row: dict[str, Any]) -> None:
    parsed = parse_sms(row["body"], sender=row["sender"], received_at=coerce_timestamp(row["received_at"]))
    actual = to_json_dict(parsed)
    actual["external_transaction_id"] = parsed.external_transaction_id
    actual["merchant_code"] = parsed.merchant_code
    assert actual == row["expected"]
    if parsed.amount is None:
        assert parsed.kind == "other" or not parsed.parsed
