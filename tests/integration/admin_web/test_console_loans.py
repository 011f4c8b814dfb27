"""Loans over HTTP: the review queue, detail with eligibility, maker-checker, approve, disburse, schedule; roles;
writing a lost loan off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.db.database import Database
from core.identity.permissions import StaffPrincipal
from core.identity.roles import StaffRole
from core.loans.disbursement import PayoutMethod, disburse
from core.loans.models import LoanApplication
from core.loans.review import approve
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


async def test_a_lost_loan_is_written_off_by_another_manager(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    planted = await plant_loan(db, org)
    lender, lender_secret = await make_staff(db, org, role=StaffRole.MANAGER)
    as_lender = StaffPrincipal(lender.id, StaffRole.MANAGER, org.id)
    async with db.tenant(org.id) as s:
        await approve(s, principal=as_lender, organization_id=org.id, loan_id=planted["loan_id"])
        await disburse(s, principal=as_lender, organization_id=org.id, loan_id=planted["loan_id"],
                       method=PayoutMethod.CASH, on=datetime.now(UTC).date() - timedelta(days=150))  # fmt: skip
    path = f"/console/loans/{planted['loan_id']}"
    client = await console_client()
    await sign_in(client, lender.email, STAFF_PASSWORD, lender_secret)
    blocked = await (await client.get(path)).text()
    assert "data-write-off-blocked" in blocked and "another officer must write it off" in blocked
    token = await page_csrf(client, path)
    refused = await client.post(f"{path}/write-off", data={"csrf_token": token, "reason": "gone away"})
    assert refused.status == 403 and await _status(db, planted["loan_id"]) == "active"

    committee, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    other = await console_client()
    await sign_in(other, committee.email, STAFF_PASSWORD, secret)
    page = await (await other.get(path)).text()
    assert f'action="{path}/write-off"' in page
    token = await page_csrf(other, path)
    no_reason = await other.post(f"{path}/write-off", data={"csrf_token": token, "reason": " "})
    assert no_reason.status == 422 and await _status(db, planted["loan_id"]) == "active"
    done = await other.post(f"{path}/write-off", data={"csrf_token": token, "reason": "Moved away, phone off"},
                            allow_redirects=False)  # fmt: skip
    assert done.status == 303 and await _status(db, planted["loan_id"]) == "written_off"
    after = await (await other.get(path)).text()
    assert "data-written-off" in after and "Moved away, phone off" in after and "data-write-off" not in after
