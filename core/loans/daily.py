"""The daily loans pass over every organization: arrears and penalties, then the reminders it produced."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.db.database import Database
from core.loans.arrears import run_arrears
from core.loans.models import LoanApplication
from core.loans.models import LoanApplicationStatus as S
from core.loans.notices import NoticeRenderer, send_notices


async def daily_arrears(db: Database, today: date, render: NoticeRenderer) -> dict[str, int]:
    """Run `run_arrears` per organization with active loans (each its own transaction), then queue reminders
    on each member's preferred channel (system scope: channel identities span organizations).

    Safe to run twice a day: penalties are keyed per instalment and period, reminders once per instalment a day.
    """
    async with db.system() as session:
        orgs = list((await session.execute(
            select(LoanApplication.organization_id).where(LoanApplication.status == S.ACTIVE).distinct()
        )).scalars())
    totals = {"organizations": 0, "loans": 0, "overdue": 0, "penalties": 0, "reminders": 0}
    for org in sorted(orgs):
        async with db.tenant(org) as session:
            outcome = await run_arrears(session, org, today)
        async with db.system() as session:
            totals["reminders"] += await send_notices(session, org, outcome.notices, render, source="reminder")
        totals["organizations"] += 1
        totals["loans"] += outcome.loans
        totals["overdue"] += outcome.overdue_instalments
        totals["penalties"] += outcome.penalties
    return totals
