"""Bulk allocation: every open exception whose top suggestion is clearly ahead, allocated to it in one go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from core.audit.service import Actor
from core.db.database import Database
from core.errors import InvalidInput
from core.payments.exception_posting import Resolved, allocate_items, check_targets, load_sms, payment_facts
from core.payments.exception_queue import ExceptionFilter, apply_filter
from core.payments.matching_accounts import credit_accounts
from core.payments.matching_types import Suggestion, Target
from core.payments.recon_models import ExceptionStatus, PaymentException

__all__ = ["MAX_BULK", "BulkOutcome", "bulk_allocate"]

MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """The exceptions allocated, and those left for a person with the reason."""

    allocated: tuple[Resolved, ...]
    skipped: dict[int, str] = field(default_factory=dict)  # exception id -> why it was left for a person


async def bulk_allocate(
    db: Database,
    organization_id: int,
    *,
    actor: Actor,
    exception_ids: Sequence[int] | None = None,
    f: ExceptionFilter | None = None,
    limit: int = 200,
    note: str = "bulk: top suggestion",
) -> BulkOutcome:
    """Allocate open exceptions to their top suggestion where it is clearly ahead (`confident`), in one go.

    Either the given ids or those matching the filter (at most `limit`, at most 500). The rest are skipped
    with the reason, for a person; rows another console holds are skipped too.
    """
    if not 1 <= limit <= MAX_BULK:
        raise InvalidInput(f"allocate 1 to {MAX_BULK} exceptions at a time")
    query = apply_filter(select(PaymentException), organization_id, f or ExceptionFilter())
    query = query.where(PaymentException.status == ExceptionStatus.OPEN.value)
    if exception_ids is not None:
        query = query.where(PaymentException.id.in_(list(exception_ids)))
    async with db.tenant(organization_id) as session:
        rows = list(
            (
                await session.execute(
                    query.order_by(PaymentException.id).limit(limit).with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        skipped: dict[int, str] = {}
        if exception_ids is not None:
            seen = {r.id for r in rows}
            skipped.update(
                {i: "not open here (or held by someone else)" for i in exception_ids if i not in seen}
            )
        chosen: list[tuple[PaymentException, Target]] = []
        for exc in rows:
            if not exc.confident or not exc.suggestions or exc.suspense_entry_id is None:
                skipped[exc.id] = "no suggestion is clearly ahead: a person decides"
                continue
            chosen.append((exc, Suggestion.from_json(exc.suggestions[0]).target))
        refused = await check_targets(session, organization_id, [t for _, t in chosen]) if chosen else {}
        _, refusing = await credit_accounts(
            session, organization_id, [t for _, t in chosen if t not in refused]
        )
        refused.update(refusing)
        messages = await load_sms(session, [exc.sms_message_id for exc, _ in chosen])
        items = []
        for exc, target in chosen:
            if target in refused:
                skipped[exc.id] = refused[target].message
            else:
                items.append((exc, target, payment_facts(exc, messages[exc.sms_message_id], None)))
        done = await allocate_items(session, organization_id, items, actor=actor, note=note) if items else []
        return BulkOutcome(tuple(done), skipped)
