"""Per-group amount rules: what happens when a member pays more or less than the group's contribution.

Defaults: an overpayment goes to savings in full, an underpayment is taken as a partial contribution, and
there is no upper limit. A group may send either (or amounts above N contributions) to a person instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput, NotFound
from core.members.models import Group
from core.money import Money
from core.payments.recon_models import GroupAmountRule

__all__ = [
    "AmountFit",
    "AmountRules",
    "DEFAULT_RULES",
    "AmountVerdict",
    "Overpayment",
    "Underpayment",
    "amount_rules_for",
    "judge_amount",
    "set_amount_rules",
]


class Overpayment(StrEnum):
    SAVINGS = "savings"  # all of it to the member's savings
    EXCEPTION = "exception"  # a person decides


class Underpayment(StrEnum):
    PARTIAL = "partial"  # taken as a partial contribution
    EXCEPTION = "exception"  # a person decides


class AmountFit(StrEnum):
    EXACT = "exact"
    OVER = "over"
    UNDER = "under"
    UNSCHEDULED = "unscheduled"  # the group has no fixed contribution amount


@dataclass(frozen=True, slots=True)
class AmountRules:
    overpayment: Overpayment = Overpayment.SAVINGS
    underpayment: Underpayment = Underpayment.PARTIAL
    max_multiple: int | None = None  # more than this many contributions at once goes to a person

    def __post_init__(self) -> None:
        if self.max_multiple is not None and (type(self.max_multiple) is not int or self.max_multiple < 1):
            raise InvalidInput(
                "the largest multiple of the contribution must be a whole number of at least 1"
            )


DEFAULT_RULES = AmountRules()


@dataclass(frozen=True, slots=True)
class AmountVerdict:
    """How an amount fits the contribution and whether the rules let it through; `detail` says so in words."""

    fit: AmountFit
    accepted: bool
    expected: int | None
    amount: Money
    limit: int | None = None  # set when the amount is over the group's largest multiple

    @property
    def detail(self) -> str:
        if self.expected is None:
            return "the group has no fixed contribution"
        expected = Money(self.expected, self.amount.currency)
        if self.fit is AmountFit.EXACT:
            return f"{self.amount} is the contribution"
        if self.limit is not None:
            return f"{self.amount} is more than {self.limit} contributions of {expected}"
        if self.fit is AmountFit.OVER:
            verb = "goes to savings" if self.accepted else "needs a person (group rule)"
            return f"{self.amount} is over the {expected} contribution: {verb}"
        verb = "taken as a partial contribution" if self.accepted else "needs a person (group rule)"
        return f"{self.amount} is under the {expected} contribution: {verb}"


def judge_amount(amount: Money, contribution: int, rules: AmountRules = DEFAULT_RULES) -> AmountVerdict:
    """Apply a group's rules to a payment; `contribution` (minor units) 0 means the group fixes no amount."""
    if contribution <= 0:
        return AmountVerdict(AmountFit.UNSCHEDULED, True, None, amount)
    if amount.amount == contribution:
        return AmountVerdict(AmountFit.EXACT, True, contribution, amount)
    if amount.amount > contribution:
        limit = rules.max_multiple
        if limit is not None and amount.amount > limit * contribution:
            return AmountVerdict(AmountFit.OVER, False, contribution, amount, limit)
        return AmountVerdict(AmountFit.OVER, rules.overpayment is Overpayment.SAVINGS, contribution, amount)
    return AmountVerdict(AmountFit.UNDER, rules.underpayment is Underpayment.PARTIAL, contribution, amount)


async def amount_rules_for(
    session: AsyncSession, organization_id: int, group_ids: Iterable[int]
) -> dict[int, AmountRules]:
    """The rules of these groups (the defaults for a group that set none)."""
    ids = sorted(set(group_ids))
    found: dict[int, AmountRules] = dict.fromkeys(ids, DEFAULT_RULES)
    if not ids:
        return found
    rows = await session.execute(
        select(GroupAmountRule).where(
            GroupAmountRule.organization_id == organization_id, GroupAmountRule.group_id.in_(ids)
        )
    )
    for row in rows.scalars():
        found[row.group_id] = AmountRules(
            Overpayment(row.overpayment), Underpayment(row.underpayment), row.max_multiple
        )
    return found


async def set_amount_rules(
    session: AsyncSession, *, organization_id: int, group_id: int, rules: AmountRules, actor: Actor
) -> AmountRules:
    """Set a group's amount rules (audited). Raises NotFound when the group is not this organization's."""
    group = (
        await session.execute(
            select(Group.id).where(Group.id == group_id, Group.organization_id == organization_id)
        )
    ).scalar_one_or_none()
    if group is None:
        raise NotFound(f"group {group_id} does not exist here")
    values = {
        "overpayment": rules.overpayment.value,
        "underpayment": rules.underpayment.value,
        "max_multiple": rules.max_multiple,
    }
    await session.execute(
        insert(GroupAmountRule)
        .values(organization_id=organization_id, group_id=group_id, **values)
        .on_conflict_do_update(index_elements=["group_id"], set_={**values, "updated_at": func.now()})
    )
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="payments.amount_rules_set",
        object_type="group",
        object_id=group_id,
        details=values,
    )
    return rules
