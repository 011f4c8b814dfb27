"""The audit log as the console reads it: one organization's events, filtered, newest first, paged by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditEvent

PAGE = 100


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str = ""  # a prefix: "payments." or "loan.approved"
    actor: str = ""  # "staff:12", "member:5", "system" or just "staff"
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: tuple[AuditEvent, ...]
    next_before_id: int | None


async def audit_events(
    session: AsyncSession,
    organization_id: int,
    f: AuditFilter,
    *,
    before_id: int | None = None,
    limit: int = PAGE,
) -> AuditPage:
    """The organization's audit events matching the filter, newest first."""
    query = select(AuditEvent).where(AuditEvent.organization_id == organization_id)
    if f.action:
        query = query.where(AuditEvent.action.startswith(f.action, autoescape=True))
    if f.actor:
        kind, _, who = f.actor.partition(":")
        query = query.where(AuditEvent.actor_type == kind)
        if who:
            query = query.where(AuditEvent.actor_id == who)
    if f.object_type:
        query = query.where(AuditEvent.object_type == f.object_type)
    if f.object_id:
        query = query.where(AuditEvent.object_id == f.object_id)
    if f.since:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(f.since, time.min, UTC))
    if f.until:
        query = query.where(
            AuditEvent.occurred_at < datetime.combine(f.until + timedelta(days=1), time.min, UTC)
        )
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = list((await session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1))).scalars())
    return AuditPage(tuple(rows[:limit]), rows[limit - 1].id if len(rows) > limit else None)
