"""Write mobile/forwarder/test/vectors.json: request signatures computed by the server's own signing function."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.payments.devices import derive_secret, sign

VECTORS = Path(__file__).resolve().parent.parent / "forwarder" / "test" / "vectors.json"
MTN = (
    "You have received 5,000 RWF from Jean HABIMANA (*********013) at 2026-10-01 10:00:00 . "
    "Message from sender: 12345678. Balance:25,000 RWF. FT Id: 39000000001"
)
AIRTEL = "Wakiriye 2,500 RWF kuva kuri UWASE Clarisse 0731234567. Ref: 87654321. Txn ID: AP241001.1234.A00001"


def _body(messages: list[dict[str, str]], *, compact: bool = True) -> str:
    if compact:  # what JSON.stringify produces
        return json.dumps({"messages": messages}, ensure_ascii=False, separators=(",", ":"))
    return json.dumps({"messages": messages}, ensure_ascii=False, indent=2)


def cases() -> list[dict[str, Any]]:
    secret = derive_secret("vector-secret-key", "dev_0123456789abcdef01234567", "00112233445566778899aabbccddeeff")
    one = {"sender": "M-Money", "body": MTN, "received_at": "2026-10-01T10:00:05+02:00"}
    two = {"sender": "AirtelMoney", "body": AIRTEL, "received_at": "2026-10-01T11:30:00+02:00"}
    accents = {"sender": "M-Money", "body": "Murakoze! Élise — 1 000 RWF ✓", "received_at": "2026-10-02T08:00:00+02:00"}
    # (name, secret, timestamp, body, the messages the body encodes when the JS encoder must produce it)
    raw: list[tuple[str, str, str, str, list[dict[str, str]] | None]] = [
        ("single message", secret, "1790000000", _body([one]), [one]),
        ("two providers", secret, "1790000001", _body([one, two]), [one, two]),
        ("non-ASCII body (UTF-8 bytes are signed)", secret, "1790000002", _body([accents]), [accents]),
        ("pretty-printed JSON (bytes as sent, not re-serialised)", secret, "1790000003", _body([one], compact=False), None),
        ("plain object shape", "short-secret", "1700000000", json.dumps(one, separators=(",", ":")), None),
        ("empty body", "s3cr3t", "0", "", None),
    ]
    out: list[dict[str, Any]] = []
    for name, s, ts, body, messages in raw:
        case: dict[str, Any] = {"name": name, "secret": s, "timestamp": ts, "body": body}
        if messages is not None:
            case["messages"] = messages
        case["signature"] = sign(s, ts, body.encode("utf-8"))
        out.append(case)
    return out


def render() -> str:
    return json.dumps({"generated_by": "mobile/tools/forwarder_vectors.py", "vectors": cases()}, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    VECTORS.write_text(render(), encoding="utf-8")
