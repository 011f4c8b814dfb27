"""What the balance reply shows, in one round trip: the member's groups with their savings and what came in
this contribution period, the latest payment in, the latest loan application, whether a loan is live.

The same figures the ORM helpers give one query at a time (groups_of_member, member_balances, paid_in_since,
last_payment_in, member_applications): this read runs on a bare connection in the member's tenant scope
(`db.native(Scope(org))`), because a USSD hop is answered while the gateway waits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

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


_OVERVIEW_SQL = """
WITH acc AS (
  SELECT a.id, a.group_id FROM ledger_accounts a
   WHERE a.organization_id = $1 AND a.member_id = $2 AND a.purpose = 'member_savings'
)
SELECT
  (SELECT json_agg(json_build_object(
            'id', g.id, 'name', g.name, 'amount', g.contribution_amount, 'freq', g.contribution_frequency,
            'saved', coalesce((SELECT sum(b.balance) FROM acc JOIN ledger_balances b ON b.account_id = acc.id
                                WHERE acc.group_id = g.id), 0),
            'paid', CASE WHEN g.contribution_amount > 0 THEN coalesce((
                      SELECT sum(-p.amount) FROM acc JOIN ledger_postings p ON p.account_id = acc.id
                       WHERE acc.group_id = g.id AND p.organization_id = $1 AND p.amount < 0
                         AND p.effective_at >= CASE g.contribution_frequency WHEN $3 THEN $4::timestamptz
                                                    WHEN $5 THEN $6::timestamptz ELSE $7::timestamptz END
                    ), 0) ELSE 0 END) ORDER BY g.code)
     FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
    WHERE gm.member_id = $2 AND gm.left_on IS NULL AND g.organization_id = $1) AS groups,
  last.amount AS last_amount, last.effective_at AS last_at,
  app.reference, app.status, app.amount, app.currency,
  EXISTS (SELECT 1 FROM loan_applications l
           WHERE l.organization_id = $1 AND l.member_id = $2 AND l.status = ANY($8::text[])) AS live_loans
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT -p.amount AS amount, p.effective_at FROM ledger_postings p
                      WHERE p.organization_id = $1 AND p.account_id IN (SELECT id FROM acc) AND p.amount < 0
                      ORDER BY p.effective_at DESC, p.id DESC LIMIT 1) last ON true
  LEFT JOIN LATERAL (SELECT l.reference, l.status, l.amount, l.currency FROM loan_applications l
                      WHERE l.organization_id = $1 AND l.member_id = $2 ORDER BY l.id DESC LIMIT 1) app ON true
"""
_LIVE = sorted(str(s) for s in LIVE)


async def member_overview(
    conn: asyncpg.Connection, organization_id: int, member_id: int, period_starts: Mapping[str, datetime]
) -> MemberOverview:
    """The overview in the connection's (tenant-scoped) transaction. `period_starts` maps each contribution
    frequency (weekly, biweekly, monthly) to when its current period began; other frequencies count weekly."""
    row = await conn.fetchrow(
        _OVERVIEW_SQL, organization_id, member_id,
        str(Frequency.MONTHLY), period_starts[Frequency.MONTHLY],
        str(Frequency.BIWEEKLY), period_starts[Frequency.BIWEEKLY],
        period_starts[Frequency.WEEKLY], _LIVE,
    )  # fmt: skip
    groups = tuple(
        GroupOverview(int(g["id"]), g["name"], int(g["amount"]), g["freq"], int(g["saved"]), int(g["paid"]))
        for g in _json_list(row["groups"])
    )
    last = (int(row["last_amount"]), row["last_at"]) if row["last_amount"] is not None else None
    application = None
    if row["reference"] is not None:
        application = ApplicationOverview(row["reference"], row["status"], int(row["amount"]), row["currency"])
    return MemberOverview(groups, last, application, bool(row["live_loans"]))


def _json_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes):  # asyncpg hands json back as text unless a codec is set
        value = json.loads(value)
    return list(value or ())
