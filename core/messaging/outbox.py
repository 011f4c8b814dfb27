"""The outbox service: enqueue replies for delivery, claim them, record provider results and statuses.

Enqueueing happens in the caller's transaction; on commit PostgreSQL notifies `ibimina_outbox`, and the
relay in `ibimina serve` (or the periodic sweep) dispatches a delivery job. Callers that dispatch at once
(a channel answering an inbound message) pass `dispatched=True` and submit the job themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.messaging.models import OutboxMessage
from core.messaging.status import DeliveryStatus, ranks_below

NOTIFY_CHANNEL = "ibimina_outbox"
STALE_DISPATCH = timedelta(minutes=2)  # a dispatched row still queued after this is dispatched again


class ChoiceLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...


class LinkLike(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...


class ReplyLike(Protocol):
    """What the outbox stores of a reply; dialogs' Reply fits (core does not import dialogs)."""

    @property
    def text(self) -> str: ...
    @property
    def choices(self) -> Sequence[ChoiceLike]: ...
    @property
    def link(self) -> LinkLike | None: ...
    @property
    def expects_answer(self) -> bool: ...
    @property
    def final(self) -> bool: ...
    @property
    def otp(self) -> str | None: ...
    @property
    def request_contact(self) -> bool: ...
    @property
    def meta(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class Claimed:
    """A batch handed to a delivery job."""

    batch: str
    ids: tuple[int, ...]


def new_batch() -> str:
    return secrets.token_hex(12)


def reply_payload(reply: ReplyLike) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if reply.link is not None:
        payload["link"] = {"url": reply.link.url, "title": reply.link.title}
    for flag in ("expects_answer", "final", "request_contact"):
        if getattr(reply, flag):
            payload[flag] = True
    if reply.otp:
        payload["otp"] = reply.otp
    if reply.meta:
        payload["meta"] = dict(reply.meta)
    return payload


def transcript_payload(reply: ReplyLike) -> dict[str, Any] | None:
    """What a transcript line keeps of a reply's flags: the outbox's payload, but of a one-time code only
    that there was one (support staff must not read codes). None when there is nothing to keep."""
    payload = reply_payload(reply)
    if reply.otp:
        payload["otp"] = True
    return payload or None


async def enqueue_replies(
    session: AsyncSession,
    *,
    organization_id: int | None,
    member_id: int | None,
    channel: str,
    recipient: str,
    replies: Sequence[ReplyLike],
    source: str = "reply",
    dispatched: bool = False,
    reply_to: str | None = None,
) -> list[int]:
    """Queue replies for one recipient; returns the outbox ids in order (empty when there is nothing).

    `organization_id` None (an unknown number) requires the system scope (row-level security). The rows
    are delivered after the caller's transaction commits; nothing is sent when it rolls back. `reply_to`
    names the inbound message they answer: replies already queued for it are not queued again (a retried
    inbound whose first attempt queued them), and only the newly queued ids are returned.
    """
    batch = new_batch()
    now = _now() if dispatched else None
    rows = [
        {
            "organization_id": organization_id,
            "member_id": member_id,
            "channel": channel,
            "recipient": recipient,
            "batch": batch,
            "reply_to": reply_to,
            "position": i,
            "source": source,
            "text": reply.text,
            "choices": [{"id": c.id, "title": c.title, "description": c.description} for c in reply.choices],
            "payload": reply_payload(reply),
            "status": DeliveryStatus.QUEUED.value,
            "provider_message_ids": [],
            "attempts": 0,
            "dispatched_at": now,
        }
        for i, reply in enumerate(r for r in replies if r.text or r.choices or r.otp or r.link)
    ]
    if not rows:
        return []
    statement = insert(OutboxMessage).values(rows)
    if reply_to is not None:
        statement = statement.on_conflict_do_nothing(
            index_elements=[OutboxMessage.reply_to, OutboxMessage.position],
            index_where=OutboxMessage.reply_to.is_not(None),
        )
    queued = await session.execute(statement.returning(OutboxMessage.position, OutboxMessage.id))
    ids = [row_id for _, row_id in sorted(queued.all())]
    if not ids:
        return []
    if not dispatched:
        await notify_queued(session, batch)
    return ids


async def notify_queued(session: AsyncSession, batch: str) -> None:
    """Wake the outbox relay for a queued batch once the caller's transaction commits (NOTIFY is transactional)."""
    await session.execute(text("SELECT pg_notify(:channel, :batch)"), {"channel": NOTIFY_CHANNEL, "batch": batch})


async def lock_for_delivery(session: AsyncSession, ids: Sequence[int]) -> list[OutboxMessage]:
    """The still-queued rows among `ids`, locked (a concurrent delivery of the same batch skips them)."""
    rows = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == DeliveryStatus.QUEUED.value)
        .order_by(OutboxMessage.batch, OutboxMessage.position)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def record_sent(
    session: AsyncSession,
    rows: Sequence[OutboxMessage],
    *,
    provider: str,
    provider_message_ids: Sequence[str],
) -> None:
    now = _now()
    for row in rows:
        row.status = DeliveryStatus.SENT.value
        row.provider = provider
        row.provider_message_ids = list(dict.fromkeys([*row.provider_message_ids, *provider_message_ids]))
        row.sent_at = now
        row.updated_at = now
        row.attempts += 1
        row.error = None


async def record_failed(
    session: AsyncSession, rows: Sequence[OutboxMessage], *, provider: str, error: str
) -> None:
    now = _now()
    for row in rows:
        row.status = DeliveryStatus.FAILED.value
        row.provider = provider
        row.failed_at = now
        row.updated_at = now
        row.attempts += 1
        row.error = error[:2000]


async def record_attempt(session: AsyncSession, rows: Sequence[OutboxMessage], *, error: str) -> None:
    """A transient failure: the rows stay queued for the retry."""
    now = _now()
    for row in rows:
        row.attempts += 1
        row.error = error[:2000]
        row.updated_at = now


async def apply_status(
    session: AsyncSession,
    *,
    provider_message_id: str,
    status: DeliveryStatus,
    error: str | None = None,
    at: datetime | None = None,
) -> int:
    """Move the rows sent as this provider message forward to `status`; never backwards (statuses arrive
    out of order). Returns how many rows changed (0 for an unknown id or a stale status)."""
    when = at or _now()
    values: dict[str, Any] = {"status": status.value, "updated_at": func.now()}
    stamp = {
        DeliveryStatus.SENT: "sent_at",
        DeliveryStatus.DELIVERED: "delivered_at",
        DeliveryStatus.READ: "read_at",
        DeliveryStatus.FAILED: "failed_at",
    }.get(status)
    if stamp:
        values[stamp] = when
    if status is DeliveryStatus.FAILED and error:
        values["error"] = error[:2000]
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.provider_message_ids.contains([provider_message_id]),
            OutboxMessage.status.in_(ranks_below(status)),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_undispatched(session: AsyncSession, *, limit: int = 200) -> list[Claimed]:
    """Queued rows nobody dispatched (or whose dispatch went stale), marked dispatched, grouped by batch."""
    stale = _now() - STALE_DISPATCH
    candidates = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == DeliveryStatus.QUEUED.value,
            or_(OutboxMessage.dispatched_at.is_(None), OutboxMessage.dispatched_at < stale),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
        .values(dispatched_at=func.now())
        .returning(OutboxMessage.batch, OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    batches: dict[str, list[int]] = {}
    for batch, row_id in result.all():
        batches.setdefault(batch, []).append(row_id)
    return [Claimed(batch, tuple(sorted(ids))) for batch, ids in batches.items()]


async def list_outbox(
    session: AsyncSession, *, channel: str | None = None, recipient: str | None = None, limit: int = 50
) -> list[OutboxMessage]:
    """The latest rows visible in the session's scope, oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    rows = list((await session.execute(query)).scalars())
    rows.reverse()
    return rows


@dataclass(frozen=True, slots=True)
class RelayBacklog:
    queued: int  # waiting for a delivery job, every organization (and unknown numbers) included
    oldest_seconds: float | None
    failed_last_day: int  # of the messages queued in the last day


async def relay_backlog(session: AsyncSession) -> RelayBacklog:
    """How far delivery is behind, across the platform (system scope): the operations page."""
    queued, oldest = (
        await session.execute(
            select(func.count(), func.extract("epoch", func.now() - func.min(OutboxMessage.created_at)))
            .where(OutboxMessage.status == DeliveryStatus.QUEUED.value)
        )
    ).one()  # fmt: skip
    failed = await session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.FAILED.value,
               OutboxMessage.created_at >= func.now() - timedelta(days=1))
    )  # fmt: skip
    return RelayBacklog(int(queued), float(oldest) if oldest is not None else None, int(failed or 0))


def _now() -> datetime:
    return datetime.now(UTC)
