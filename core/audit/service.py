"""Record audit events on the chain and verify the chain; who did what, when, to what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.chain import GENESIS, row_digest
from core.audit.models import AuditEvent

_CHAIN_LOCK = 7_210_002
# What a row's hash covers besides the previous hash: row_digest's keyword arguments, read off the row.
_HASHED = (
    "organization_id",
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "details",
    "request_id",
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused something: a staff user, a member, or the system (a job, a webhook)."""

    type: str
    id: str | None = None

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls("system", what)

    @classmethod
    def staff(cls, staff_id: int) -> Actor:
        return cls("staff", str(staff_id))

    @classmethod
    def member(cls, member_id: int) -> Actor:
        return cls("member", str(member_id))


async def record(
    session: AsyncSession,
    *,
    organization_id: int | None,
    actor: Actor,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    details: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Append one event to its organization's chain, inside the caller's transaction.

    The per-organization advisory lock orders concurrent writers so each row links to the one before it.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:k, :org)"), {"k": _CHAIN_LOCK, "org": organization_id or 0}
    )
    last = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(
                AuditEvent.organization_id.is_(None)
                if organization_id is None
                else AuditEvent.organization_id == organization_id
            )
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    fields: dict[str, Any] = {
        "organization_id": organization_id,
        "seq": seq,
        "occurred_at": datetime.now(UTC),
        "actor_type": actor.type,
        "actor_id": actor.id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "details": details or {},
        "request_id": request_id,
    }
    event = AuditEvent(**fields, prev_hash=prev_hash, hash=row_digest(prev_hash=prev_hash, **fields))
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainProblem:
    organization_id: int | None
    audit_id: int | None
    seq: int
    problem: str


async def verify_chain(session: AsyncSession) -> tuple[int, list[ChainProblem]]:
    """Recompute every visible chain; report edited rows (hash), removed rows (seq gap) and broken links."""
    problems: list[ChainProblem] = []
    checked = 0
    expected: dict[int | None, tuple[int, str]] = {}
    result = await session.stream_scalars(
        select(AuditEvent).order_by(AuditEvent.organization_id.nulls_first(), AuditEvent.seq)
    )
    async for row in result:
        checked += 1
        org = row.organization_id
        next_seq, prev_hash = expected.get(org, (1, GENESIS))
        if row.seq != next_seq:
            problems.append(
                ChainProblem(org, row.id, next_seq, f"rows {next_seq}..{row.seq - 1} are missing (deleted?)")
            )
        if row.prev_hash != prev_hash:
            problems.append(ChainProblem(org, row.id, row.seq, "link to the previous row is broken"))
        digest = row_digest(prev_hash=row.prev_hash, **{name: getattr(row, name) for name in _HASHED})
        if digest != row.hash:
            problems.append(ChainProblem(org, row.id, row.seq, f"row {row.id} was edited (hash mismatch)"))
        expected[org] = (row.seq + 1, row.hash)
    return checked, problems
