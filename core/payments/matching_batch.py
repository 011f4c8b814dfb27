"""One reconciliation batch in the caller's transaction: sort claimed SMS into allocations and exceptions.

A few round trips whatever the batch size: directory, amount rules, posted keys, accounts, one ledger call,
one insert per table, one status update, one audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.errors import DomainError
from core.ledger.types import EntryKind
from core.money import Money
from core.payments.allocation import (
    SystemAccounts,
    allocator_for,
    payment_entry,
    payment_key,
    system_accounts,
)
from core.payments.matching import Directory, GroupInfo, match_payment
from core.payments.matching_accounts import credit_accounts
from core.payments.matching_amounts import (
    DEFAULT_RULES,
    AmountRules,
    AmountVerdict,
    amount_rules_for,
    judge_amount,
)
from core.payments.matching_directory import load_directory, load_roster
from core.payments.matching_types import (
    Evidence,
    ExceptionReason,
    Matched,
    PaymentFacts,
    Target,
    Unmatched,
)
from core.payments.matching_write import BatchOutcome, PlannedAllocation, QueuedException, write_batch
from core.payments.models import SmsStatus
from core.payments.suggest import Roster, suggest

__all__ = ["ClaimedSms", "RunContext", "process_batch"]

# One index probe per key (LIMIT keeps the LATERAL lookup from being flattened into a join), whatever the
# table's statistics say.
_POSTED = text(
    "SELECT k.key, e.id, e.metadata->>'sms_id' FROM unnest(CAST(:keys AS text[])) AS k(key) "
    "JOIN LATERAL (SELECT id, metadata FROM ledger_entries "
    "WHERE organization_id = :org AND idempotency_key = k.key LIMIT 1) AS e ON true"
)


@dataclass(frozen=True, slots=True)
class ClaimedSms:
    """The columns of a claimed sms_messages row that reconciliation reads."""

    id: int
    status: str
    provider: str | None
    amount: int | None
    currency: str | None
    transaction_id: str | None
    reference: str | None
    counterparty_name: str | None
    counterparty_phone: str | None
    occurred_at: datetime | None
    parse_error: str | None
    duplicate_of_id: int | None


@dataclass(slots=True)
class RunContext:
    """What stays valid across one run's batches, so a batch does not ask again.

    The organization's currency and system accounts, the member roster (for suggestions), groups with their
    amount rules, and the account each target is credited to (accounts are never removed or renumbered). A
    rule or group changed during a run applies from the next run (a job, or the sweep within a minute).
    """

    organization_id: int
    actor: Actor
    system: SystemAccounts | None = None
    roster: Roster | None = None
    currency: str | None = None
    groups: dict[int, GroupInfo] = field(default_factory=dict)
    rules: dict[int, AmountRules] = field(default_factory=dict)
    credit: dict[Target, int] = field(default_factory=dict)

    async def accounts(self, session: AsyncSession) -> SystemAccounts:
        if self.system is None:
            self.system = await system_accounts(session, self.organization_id)
        return self.system

    async def members(self, session: AsyncSession) -> Roster:
        if self.roster is None:
            self.roster = await load_roster(session, self.organization_id)
        return self.roster

    async def group_rules(self, session: AsyncSession, group_ids: set[int]) -> dict[int, AmountRules]:
        missing = group_ids - self.rules.keys()
        if missing:
            self.rules.update(await amount_rules_for(session, self.organization_id, missing))
        return self.rules

    async def credit_accounts(
        self, session: AsyncSession, targets: list[Target]
    ) -> tuple[dict[Target, int], dict[Target, DomainError]]:
        missing = [t for t in targets if t not in self.credit]
        refused: dict[Target, DomainError] = {}
        if missing:
            found, refused = await credit_accounts(session, self.organization_id, missing)
            self.credit.update(found)
        return self.credit, refused

    def forget(self) -> None:
        """Drop everything after a rollback (accounts opened in it are gone)."""
        self.system = self.roster = self.currency = None
        self.groups.clear()
        self.rules.clear()
        self.credit.clear()


def _facts(organization_id: int, row: ClaimedSms) -> PaymentFacts:
    return PaymentFacts(
        sms_id=row.id,
        organization_id=organization_id,
        amount=row.amount or 0,
        currency=row.currency or "RWF",
        provider=row.provider,
        transaction_id=row.transaction_id,
        reference=row.reference,
        payer_name=row.counterparty_name,
        payer_phone=row.counterparty_phone,
        occurred_at=row.occurred_at,
    )


async def process_batch(
    session: AsyncSession, context: RunContext, rows: Sequence[ClaimedSms]
) -> BatchOutcome:
    """Reconcile claimed rows inside the caller's transaction (which must hold their row locks)."""
    org = context.organization_id
    queued: list[QueuedException] = []
    payments: list[PaymentFacts] = []
    for row in rows:
        if row.status == SmsStatus.DUPLICATE:
            detail = (
                f"the same transaction as SMS {row.duplicate_of_id}" if row.duplicate_of_id else "seen before"
            )
            queued.append(
                QueuedException(
                    row.id,
                    ExceptionReason.DUPLICATE,
                    detail,
                    SmsStatus.DUPLICATE,
                    row.amount,
                    row.currency,
                    duplicate_of=row.duplicate_of_id,
                )
            )
        elif row.status == SmsStatus.UNPARSED or row.amount is None or row.amount <= 0:
            detail = row.parse_error or "no amount could be read"
            queued.append(
                QueuedException(
                    row.id,
                    ExceptionReason.UNPARSED,
                    detail[:300],
                    SmsStatus.UNPARSED,
                    row.amount,
                    row.currency,
                )
            )
        else:
            payments.append(_facts(org, row))
    allocations: list[PlannedAllocation] = []
    if payments:
        allocations = await _plan(session, context, payments, queued)
    return await write_batch(session, context.organization_id, len(rows), allocations, queued)


async def _plan(
    session: AsyncSession, context: RunContext, payments: list[PaymentFacts], queued: list[QueuedException]
) -> list[PlannedAllocation]:
    org = context.organization_id
    directory = await load_directory(session, org, payments, currency=context.currency, groups=context.groups)
    context.currency = directory.currency
    context.groups.update(directory.groups)
    keys = {p.sms_id: payment_key(p.provider, p.transaction_id, p.sms_id) for p in payments}
    posted = {
        str(k): (int(e), None if s is None else int(s))
        for k, e, s in (await session.execute(_POSTED, {"org": org, "keys": sorted(set(keys.values()))}))
    }
    seen: dict[str, int] = {}
    matched: list[tuple[PaymentFacts, Matched]] = []
    unmatched: list[tuple[PaymentFacts, Unmatched]] = []
    for p in payments:
        key = keys[p.sms_id]
        if key in posted or key in seen:
            entry_id, first = posted.get(key, (None, seen.get(key)))
            detail = f"transaction {p.transaction_id} was already posted" + (
                f" (entry {entry_id})" if entry_id else ""
            )
            queued.append(
                QueuedException(
                    p.sms_id,
                    ExceptionReason.DUPLICATE,
                    detail,
                    SmsStatus.DUPLICATE,
                    p.amount,
                    p.currency,
                    duplicate_of=first,
                )
            )
            continue
        seen[key] = p.sms_id
        outcome = match_payment(p, directory)
        if isinstance(outcome, Matched):
            matched.append((p, outcome))
        else:
            unmatched.append((p, outcome))
    group_ids = {m.target.group_id for _, m in matched if m.target.group_id is not None}
    rules = await context.group_rules(session, group_ids)
    system = await context.accounts(session)
    accepted: list[tuple[PaymentFacts, Matched, AmountVerdict]] = []
    for p, m in matched:
        group = directory.groups.get(m.target.group_id) if m.target.group_id is not None else None
        contribution = group.contribution_amount if group is not None else 0
        group_rules = (
            rules.get(m.target.group_id, DEFAULT_RULES) if m.target.group_id is not None else DEFAULT_RULES
        )
        verdict = judge_amount(Money(p.amount, p.currency), contribution, group_rules)
        if allocator_for(m.target.purpose) is None:
            unmatched.append(
                (
                    p,
                    _parked(
                        directory,
                        m,
                        ExceptionReason.LOAN_UNSUPPORTED,
                        "loan repayments are not yet supported",
                    ),
                )
            )
        elif not verdict.accepted:
            unmatched.append(
                (p, _parked(directory, m, ExceptionReason.AMOUNT_MISMATCH, verdict.detail, verdict))
            )
        else:
            accepted.append((p, m, verdict))
    accounts, refused = await context.credit_accounts(session, [m.target for _, m, _ in accepted])
    allocations = []
    for p, m, verdict in accepted:
        if m.target in refused:
            detail = f"the code's target refused the money: {refused[m.target].message}"
            unmatched.append((p, _parked(directory, m, ExceptionReason.TARGET_REFUSED, detail[:300])))
            continue
        allocator = allocator_for(m.target.purpose)
        assert allocator is not None
        entry = payment_entry(
            p,
            kind=allocator.kind,
            debit=system.clearing(p.provider),
            credit=accounts[m.target],
            key=keys[p.sms_id],
            actor=context.actor,
            memo=f"{m.method} match",
            metadata={"method": str(m.method)},  # the rest is on the allocation row and in the accounts
        )
        allocations.append(PlannedAllocation(p, m.target, m.method, verdict, entry))
    if unmatched:
        roster = await context.members(session)
        for p, u in unmatched:
            entry = payment_entry(
                p,
                kind=EntryKind.PAYMENT_RECEIVED,
                debit=system.clearing(p.provider),
                credit=system.suspense,
                key=keys[p.sms_id],
                actor=context.actor,
                memo=f"in suspense: {u.reason}",
                metadata={"reason": str(u.reason)},
            )
            suggestions = suggest(p, u, roster)
            queued.append(
                QueuedException(
                    p.sms_id,
                    u.reason,
                    u.detail[:300],
                    SmsStatus.EXCEPTION,
                    p.amount,
                    p.currency,
                    p,
                    suggestions,
                    entry=entry,
                )
            )
    return allocations


def _parked(
    directory: Directory,
    m: Matched,
    reason: ExceptionReason,
    detail: str,
    verdict: AmountVerdict | None = None,
) -> Unmatched:
    """A certain target the money may not go to by itself: the target becomes the top hint for a person."""
    evidence: tuple[Evidence, ...] = m.evidence
    if verdict is not None:
        evidence = (*evidence, Evidence("amount_rule", 0, verdict.detail))
    return Unmatched(reason, detail, (directory.suggestion(m.target, *evidence),))
