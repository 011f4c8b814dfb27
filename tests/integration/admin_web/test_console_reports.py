"""Reports over HTTP: the statement and group PDFs (read back with pypdf), collections and portfolio CSVs, roles."""

from __future__ import annotations

import io

import pypdf

from core.db.database import Database
from core.identity.roles import StaffRole
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import sign_in
from tests.support.factories import (
    STAFF_PASSWORD,
    make_group,
    make_member,
    make_organization,
    make_savings,
    make_staff,
)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_statement_group_report_and_csv(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db, name="Duterimbere SACCO")
    group = await make_group(db, org, name="Abakundana")
    member = await make_member(db, org, group)
    await make_savings(db, org, member, group, 4500)
    await make_savings(db, org, member, group, 1500)
    user, secret = await make_staff(db, org, role=StaffRole.ACCOUNTANT)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    r = await client.get(f"/console/members/{member.id}/statement.pdf?group={group.id}")
    assert r.status == 200 and r.content_type == "application/pdf"
    text = pdf_text(await r.read())
    assert "Duterimbere SACCO" in text and member.full_name in text and "Member statement" in text
    assert "6,000 RWF" in text and "4,500 RWF" in text  # running balance after both contributions
    g = await client.get(f"/console/groups/{group.id}/report.pdf")
    assert g.status == 200 and "Abakundana" in pdf_text(await g.read())
    page = await (await client.get("/console/reports")).text()
    assert "Abakundana" in page
    csv_text = await (await client.get("/console/reports/collections.csv")).text()
    assert csv_text.splitlines()[0] == "month,group_code,group_name,amount,entries"
    assert ",6000,2" in csv_text
    assert (await client.get("/console/reports/portfolio.csv")).status == 200
    bad = await client.get("/console/reports?start=yesterday")
    assert bad.status == 422


async def test_support_agents_have_no_reports(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    assert (await client.get("/console/reports")).status == 403
    assert (await client.get(f"/console/members/{member.id}/statement.pdf")).status == 403
