"""Loans over HTTP: the review queue, detail with eligibility, maker-checker, approve, disburse, schedule; roles."""

from __future__ import annotations

from core.db.database import Database
from core.identity.roles import StaffRole
from core.loans.models import LoanApplication
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff
from tests.support.tenant_sweep import plant_loan


async def _status(db: Database, loan_id: int) -> str:
    async with db.system() as s:
        loan = await s.get(LoanApplication, loan_id)
        assert loan is not None
        return loan.status


async def test_review_approve_disburse_and_schedule(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    maker, maker_secret = await make_staff(db, org, role=StaffRole.MANAGER)
    planted = await plant_loan(db, org, recorded_by_staff_id=maker.id)
    client = await console_client()
    await sign_in(client, maker.email, STAFF_PASSWORD, maker_secret)
    queue = await (await client.get("/console/loans")).text()
    assert planted["reference"] in queue
    page = await (await client.get(f"/console/loans/{planted['loan_id']}")).text()
    assert "You can borrow up to 120,000" in page and "another officer must approve" in page
    token = await page_csrf(client, f"/console/loans/{planted['loan_id']}")
    refused = await client.post(f"/console/loans/{planted['loan_id']}/approve", data={"csrf_token": token})
    assert refused.status in (403, 409, 422) and await _status(db, planted["loan_id"]) == "submitted"

    checker, checker_secret = await make_staff(db, org, role=StaffRole.MANAGER)
    other = await console_client()
    await sign_in(other, checker.email, STAFF_PASSWORD, checker_secret)
    token = await page_csrf(other, f"/console/loans/{planted['loan_id']}")
    ok = await other.post(
        f"/console/loans/{planted['loan_id']}/approve",
        data={"csrf_token": token, "note": "good saver"},
        allow_redirects=False,
    )
    assert ok.status == 303 and await _status(db, planted["loan_id"]) == "approved"
    paid = await other.post(
        f"/console/loans/{planted['loan_id']}/disburse",
        data={"csrf_token": token, "method": "cash"},
        allow_redirects=False,
    )
    assert paid.status == 303 and await _status(db, planted["loan_id"]) in ("disbursed", "active")
    schedule = await (await other.get(f"/console/loans/{planted['loan_id']}")).text()
    assert "Schedule and repayments" in schedule and schedule.count("<tr") >= 7


async def test_roles_on_loans(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    planted = await plant_loan(db, org)
    officer, secret = await make_staff(db, org, role=StaffRole.LOAN_OFFICER)
    client = await console_client()
    await sign_in(client, officer.email, STAFF_PASSWORD, secret)
    page = await client.get(f"/console/loans/{planted['loan_id']}")
    assert page.status == 200 and "/approve" not in await page.text()
    token = await page_csrf(client, "/console/loans")
    denied = await client.post(f"/console/loans/{planted['loan_id']}/approve", data={"csrf_token": token})
    assert denied.status == 403
    manager, msecret = await make_staff(db, org, role=StaffRole.MANAGER)
    other = await console_client()
    await sign_in(other, manager.email, STAFF_PASSWORD, msecret)
    forged = await other.post(f"/console/loans/{planted['loan_id']}/reject", data={"reason": "no"})
    assert forged.status == 403 and await _status(db, planted["loan_id"]) == "submitted"
    rejected = await other.post(
        f"/console/loans/{planted['loan_id']}/reject",
        data={"reason": "savings too recent", "csrf_token": await page_csrf(other, "/console/loans")},
        allow_redirects=False,
    )
    assert rejected.status == 303 and await _status(db, planted["loan_id"]) == "rejected"
