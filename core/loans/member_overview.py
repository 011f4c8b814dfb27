"""What the balance reply shows, in one round trip: the member's groups with their savings and what came in
this contribution period, the latest payment in, the latest loan application, whether a loan is live.

The same figures the ORM helpers give one query at a time (groups_of_member, member_balances, paid_in_since,
last_payment_in, member_applications), in one call of a database function (migration 0014) that scopes its
queries to the member's SACCO, because a USSD hop is answered while the gateway waits; the overviews one
event-loop tick asks for share that call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from core.db.coalesce import Coalescer
from core.db.database import Database
from core.loans.lifecycle import OWED
from core.members.models import Frequency


@dataclass(frozen=True, slots=True)
class GroupOverview:
    group_id: int
    name: str
    contribution_amount: int
    contribution_frequency: str
    saved: int  # the member's savings balance in this group (minor units)
    paid_this_period: int  # money in since the period began (0 when the group has no contribution)


@dataclass(frozen=True, slots=True)
class ApplicationOverview:
    reference: str
    status: str
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class MemberOverview:
    groups: tuple[GroupOverview, ...]  # active memberships, by group code
    last_payment: tuple[int, datetime] | None  # latest money into any of the member's savings
    latest_application: ApplicationOverview | None
    has_live_loans: bool  # loans the member owes (lifecycle.OWED): the caller reads their schedules (member_loans)


# The function (migration 0014) reads each member in their SACCO's scope: one statement, one round trip, for
# every overview the same event-loop tick asks for (core/db/coalesce.py).
_OVERVIEW_MANY_SQL = "SELECT * FROM member_overview_many($1, $2, $3, $4, $5, $6)"
_LIVE = sorted(str(s) for s in OWED)


@dataclass(frozen=True, slots=True)
class _Ask:
    organization_id: int
    member_id: int
    monthly_since: datetime
    biweekly_since: datetime
    weekly_since: datetime


async def member_overview(
    db: Database, organization_id: int, member_id: int, period_starts: Mapping[str, datetime]
) -> MemberOverview:
    """The overview, read in a transaction of its own scoped to the member's SACCO (shared with the other
    overviews of the same tick). `period_starts` maps each contribution frequency (weekly, biweekly, monthly)
    to when its current period began; others count weekly."""
    overviews = db.coalescer("member_overview", lambda: Coalescer(partial(_overviews, db)))
    return await overviews(_Ask(
        organization_id, member_id, period_starts[Frequency.MONTHLY], period_starts[Frequency.BIWEEKLY],
        period_starts[Frequency.WEEKLY],
    ))  # fmt: skip


async def _overviews(db: Database, asks: Sequence[_Ask]) -> list[MemberOverview]:
    async with db.native_connection() as conn:
        rows = await conn.fetch(
            _OVERVIEW_MANY_SQL, [a.organization_id for a in asks], [a.member_id for a in asks],
            [a.monthly_since for a in asks], [a.biweekly_since for a in asks], [a.weekly_since for a in asks], _LIVE,
        )  # fmt: skip
    by_ask = {row["n"]: row for row in rows}
    return [_overview(by_ask[n]) for n in range(1, len(asks) + 1)]


def _overview(row: Mapping[str, Any]) -> MemberOverview:
    groups = tuple(
        GroupOverview(int(g["id"]), g["name"], int(g["amount"]), g["freq"], int(g["saved"]), int(g["paid"]))
        for g in row["groups"] or ()
    )
    last = (int(row["last_amount"]), row["last_at"]) if row["last_amount"] is not None else None
    application = None
    if row["reference"] is not None:
        application = ApplicationOverview(row["reference"], row["status"], int(row["amount"]), row["currency"])
    return MemberOverview(groups, last, application, bool(row["live_loans"]))
