"""The daily arrears job across organizations: reminders queued in the member's language, once a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.jobs import JOBS
from core.db.database import Database
from core.loans.daily import daily_arrears
from core.messaging.models import OutboxMessage
from dialogs.loan_notices import render_notice
from tests.integration.core.loans.conftest import Lending
from tests.integration.core.loans.test_loan_arrears import active_loan


async def test_daily_job_queues_reminders_once_and_charges_penalties(db: Database, lending: Lending) -> None:
    await active_loan(db, lending)
    assert "loans.arrears" in JOBS
    due_soon = date(2026, 2, 2)  # three days before the first instalment
    first = await daily_arrears(db, due_soon, render_notice)
    again = await daily_arrears(db, due_soon, render_notice)
    assert first["reminders"] >= 1 and again["reminders"] == 0
    late = await daily_arrears(db, date(2026, 2, 10), render_notice)
    assert late["penalties"] >= 1
    async with db.system() as s:
        texts = list((await s.execute(select(OutboxMessage.text).where(
            OutboxMessage.member_id == lending.borrower.id, OutboxMessage.source == "reminder"))).scalars())
    assert len(texts) == 1 and "20,805 RWF" in texts[0] and "LN-" in texts[0]
