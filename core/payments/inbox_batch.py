"""The inbox's batched path: store_messages for many SMS in a few statements (imports, busy forwarders).

Same rules and results as core.payments.inbox.store_messages, message for message; only the round trips differ.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.payments.inbox import IncomingSms, StoredSms, initial_status, raw_hash
from core.payments.models import SmsStatus
from core.payments.sms.parse import parse_sms
from core.payments.sms.types import ParsedSms, to_json_dict

__all__ = ["store_messages_batch"]


async def store_messages_batch(
    session: AsyncSession,
    *,
    organization_id: int,
    messages: Sequence[IncomingSms],
    source: str,
    device_id: int | None = None,
) -> list[StoredSms]:
    """What store_messages does, for many messages in a few round trips (big imports, busy forwarders).

    Same results in the same order: the first copy of a raw text is stored, later copies (in the batch or
    already stored) come back as duplicates without an id; a pending payment whose provider transaction was
    seen (stored before, or earlier in the batch) is stored with status duplicate. Never raises on content.
    """
    rows: list[dict[str, object]] = []
    first_by_hash: dict[str, int] = {}
    for i, msg in enumerate(messages):
        received = msg.received_at if msg.received_at.tzinfo else msg.received_at.replace(tzinfo=UTC)
        parsed = parse_sms(msg.body, sender=msg.sender, received_at=received)
        digest = raw_hash(msg.sender, msg.body)
        first_by_hash.setdefault(digest, i)
        rows.append(_row(organization_id, device_id, source, msg, received, digest, parsed))
    txns = {
        (r["provider"], r["transaction_id"]) for r in rows if r["status"] == "pending" and r["transaction_id"]
    }
    seen = await _seen_transactions(session, organization_id, txns) if txns else {}
    first_txn: dict[tuple[object, object], int] = {}
    later: list[int] = []  # pending rows repeating a transaction first met earlier in this batch
    for i, r in enumerate(rows):
        if first_by_hash[str(r["raw_hash"])] != i or r["status"] != "pending" or not r["transaction_id"]:
            continue
        key = (r["provider"], r["transaction_id"])
        if key in seen:
            r["status"], r["duplicate_of_id"] = SmsStatus.DUPLICATE.value, seen[key]
        elif key in first_txn:
            later.append(i)
        else:
            first_txn[key] = i
    repeats = set(later)
    fresh = [i for i in first_by_hash.values() if i not in repeats]
    ids = await _insert_rows(session, [rows[i] for i in fresh])
    for i in later:
        first = ids.get(str(rows[first_txn[(rows[i]["provider"], rows[i]["transaction_id"])]]["raw_hash"]))
        rows[i]["status"], rows[i]["duplicate_of_id"] = SmsStatus.DUPLICATE.value, first
    ids.update(await _insert_rows(session, [rows[i] for i in later]))
    stored_before = [str(r["raw_hash"]) for r in rows if str(r["raw_hash"]) not in ids]
    existing = await _ids_by_hash(session, organization_id, stored_before) if stored_before else {}
    results: list[StoredSms] = []
    for i, r in enumerate(rows):
        digest = str(r["raw_hash"])
        if first_by_hash[digest] != i or digest not in ids:
            results.append(
                StoredSms(
                    None, SmsStatus.DUPLICATE.value, duplicate_of=ids.get(digest) or existing.get(digest)
                )
            )
            continue
        results.append(
            StoredSms(
                ids[digest],
                str(r["status"]),
                r["duplicate_of_id"],  # type: ignore[arg-type]
                str(r["kind"]),
                r["amount"],  # type: ignore[arg-type]
                r["transaction_id"],  # type: ignore[arg-type]
            )
        )
    return results


def _row(
    organization_id: int,
    device_id: int | None,
    source: str,
    msg: IncomingSms,
    received: datetime,
    digest: str,
    parsed: ParsedSms,
) -> dict[str, object]:
    return {
        "organization_id": organization_id,
        "device_id": device_id,
        "source": source,
        "sender": msg.sender[:64],
        "body": msg.body,
        "received_at": received,
        "raw_hash": digest,
        "parsed": parsed.parsed,
        "parse_error": (parsed.error or "")[:300] or None,
        "provider": parsed.provider.value if parsed.provider else None,
        "kind": parsed.kind.value,
        "amount": parsed.amount,
        "currency": parsed.currency,
        "transaction_id": parsed.transaction_id,
        "counterparty_name": (parsed.counterparty_name or "")[:200] or None,
        "counterparty_phone": parsed.counterparty_phone,
        "reference": (parsed.reference or "")[:300] or None,
        "occurred_at": parsed.occurred_at,
        "details": to_json_dict(parsed),
        "status": initial_status(parsed).value,
        "duplicate_of_id": None,
    }


_COLUMNS = (
    ("device_id", "bigint"),
    ("source", "text"),
    ("sender", "text"),
    ("body", "text"),
    ("received_at", "timestamptz"),
    ("raw_hash", "text"),
    ("parsed", "boolean"),
    ("parse_error", "text"),
    ("provider", "text"),
    ("kind", "text"),
    ("amount", "bigint"),
    ("currency", "text"),
    ("transaction_id", "text"),
    ("counterparty_name", "text"),
    ("counterparty_phone", "text"),
    ("reference", "text"),
    ("occurred_at", "timestamptz"),
    ("details", "text"),
    ("status", "text"),
    ("duplicate_of_id", "bigint"),
)
# One statement for the whole batch: one array per column, so the cost does not grow with bind parameters.
_INSERT_MANY = text(
    "INSERT INTO sms_messages (organization_id, "
    + ", ".join(name for name, _ in _COLUMNS)
    + ") SELECT CAST(:org AS bigint), "
    + ", ".join("CAST(r.details AS jsonb)" if name == "details" else f"r.{name}" for name, _ in _COLUMNS)
    + " FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _COLUMNS)
    + ") WITH ORDINALITY AS r("
    + ", ".join(name for name, _ in _COLUMNS)
    + ", n) ORDER BY r.n ON CONFLICT (organization_id, raw_hash) DO NOTHING RETURNING raw_hash, id"
)


async def _insert_rows(session: AsyncSession, rows: list[dict[str, object]]) -> dict[str, int]:
    """Insert in one statement; raw hash -> id of the rows that were new (a stored copy wins the conflict)."""
    if not rows:
        return {}
    params: dict[str, object] = {"org": rows[0]["organization_id"]}
    for name, _ in _COLUMNS:
        params[name] = [json.dumps(r[name]) if name == "details" else r[name] for r in rows]
    result = await session.execute(_INSERT_MANY, params)
    return {str(digest): int(id_) for digest, id_ in result}


async def _seen_transactions(
    session: AsyncSession, organization_id: int, txns: set[tuple[object, object]]
) -> dict[tuple[object, object], int]:
    """The first stored (non-duplicate) SMS of each (provider, transaction id) already in the inbox.

    One index probe per pair (a LATERAL lookup), so the plan does not depend on the table's statistics.
    """
    pairs = sorted(txns, key=str)
    result = await session.execute(
        text(
            "SELECT k.provider, k.txn, s.id FROM unnest(CAST(:providers AS text[]), CAST(:txns AS text[])) "
            "AS k(provider, txn) JOIN LATERAL (SELECT min(id) AS id FROM sms_messages WHERE organization_id = :org "
            "AND provider = k.provider AND transaction_id = k.txn AND status <> 'duplicate') AS s ON s.id IS NOT NULL"
        ),
        {
            "org": organization_id,
            "providers": [str(p) for p, _ in pairs],
            "txns": [str(t) for _, t in pairs],
        },
    )
    return {(provider, txn): int(id_) for provider, txn, id_ in result}


async def _ids_by_hash(session: AsyncSession, organization_id: int, digests: list[str]) -> dict[str, int]:
    """Ids of already stored copies, one unique-index probe per raw hash (LIMIT keeps the lookup a probe)."""
    result = await session.execute(
        text(
            "SELECT s.raw_hash, s.id FROM unnest(CAST(:digests AS text[])) AS k(digest) JOIN LATERAL "
            "(SELECT raw_hash, id FROM sms_messages WHERE organization_id = :org AND raw_hash = k.digest LIMIT 1) AS s ON true"
        ),
        {"org": organization_id, "digests": sorted(set(digests))},
    )
    return {str(digest): int(id_) for digest, id_ in result}
