"""What the balance reply shows, in one round trip: the member's groups with their savings and what came in
this contribution period, the latest payment in, the latest loan application, whether a loan is live.

The same figures the ORM helpers give one query at a time (groups_of_member, member_balances, paid_in_since,
last_payment_in, member_applications), in one call of a database function (migration 0012) that scopes its
queries to the member's SACCO, because a USSD hop is answered while the gateway waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.db.database import Database
from core.loans.lifecycle import LIVE
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
    has_live_loans: bool  # disbursed, not closed: the caller reads their schedules (member_loans)


# The function (migration 0012) scopes its queries to the member's SACCO: one statement, one round trip.
_OVERVIEW_SQL = "SELECT * FROM member_overview($1, $2, $3, $4, $5, $6)"
_LIVE = sorted(str(s) for s in LIVE)


async def member_overview(
    db: Database, organization_id: int, member_id: int, period_starts: Mapping[str, datetime]
) -> MemberOverview:
    """The overview, read in a transaction of its own scoped to the member's SACCO. `period_starts` maps each
    contribution frequency (weekly, biweekly, monthly) to when its current period began; others count weekly."""
    async with db.native_connection() as conn:
        row = await conn.fetchrow(
            _OVERVIEW_SQL, organization_id, member_id, period_starts[Frequency.MONTHLY],
            period_starts[Frequency.BIWEEKLY], period_starts[Frequency.WEEKLY], _LIVE,
        )  # fmt: skip
    groups = tuple(
        GroupOverview(int(g["id"]), g["name"], int(g["amount"]), g["freq"], int(g["saved"]), int(g["paid"]))
        for g in row["groups"] or ()
    )
    last = (int(row["last_amount"]), row["last_at"]) if row["last_amount"] is not None else None
    application = None
    if row["reference"] is not None:
        application = ApplicationOverview(row["reference"], row["status"], int(row["amount"]), row["currency"])
    return MemberOverview(groups, last, application, bool(row["live_loans"]))

