"""The support inbox over HTTP: list, transcript with money context, reply into the outbox, close, roles."""

from __future__ import annotations

from sqlalchemy import select

from core.conversations.models import Handoff
from core.db.database import Database
from core.identity.roles import StaffRole
from core.messaging.models import OutboxMessage
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff
from tests.support.tenant_sweep import plant_handoff


async def test_agent_reads_replies_and_hands_back(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    planted = await plant_handoff(db, org, text="My contribution is missing")
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    inbox = await (await client.get("/console/support")).text()
    assert "My contribution is missing" in inbox and f"/console/support/{planted['handoff_id']}" in inbox
    page = await client.get(f"/console/support/{planted['handoff_id']}")
    html = await page.text()
    assert page.status == 200 and "Last payments" in html and planted["phone"] in html
    token = await page_csrf(client, f"/console/support/{planted['handoff_id']}")
    sent = await client.post(
        f"/console/support/{planted['handoff_id']}/reply",
        data={"csrf_token": token, "text": "We found it, thank you"},
        allow_redirects=False,
    )
    assert sent.status == 303
    async with db.system() as s:
        rows = list(
            (
                await s.execute(select(OutboxMessage).where(OutboxMessage.recipient == planted["phone"]))
            ).scalars()
        )
    assert [(r.text, r.source, r.channel) for r in rows] == [("We found it, thank you", "agent", "whatsapp")]
    transcript = await (await client.get(f"/console/support/{planted['handoff_id']}")).text()
    assert 'data-direction="agent"' in transcript
    member_page = await (await client.get(f"/console/members/{planted['member_id']}")).text()
    assert "My contribution is missing" in member_page and "We found it, thank you" in member_page
    closed = await client.post(
        f"/console/support/{planted['handoff_id']}/close", data={"csrf_token": token}, allow_redirects=False
    )
    assert closed.status == 303
    async with db.system() as s:
        handoff = await s.get(Handoff, planted["handoff_id"])
        assert handoff is not None and handoff.status == "closed"
    late = await client.post(
        f"/console/support/{planted['handoff_id']}/reply", data={"csrf_token": token, "text": "late"}
    )
    assert late.status == 409


async def test_auditor_reads_but_cannot_reply(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    planted = await plant_handoff(db, org)
    auditor, secret = await make_staff(db, org, role=StaffRole.AUDITOR)
    client = await console_client()
    await sign_in(client, auditor.email, STAFF_PASSWORD, secret)
    page = await client.get(f"/console/support/{planted['handoff_id']}")
    assert page.status == 200 and "<textarea" not in await page.text()
    token = await page_csrf(client, "/console/support")
    r = await client.post(
        f"/console/support/{planted['handoff_id']}/reply", data={"csrf_token": token, "text": "x"}
    )
    assert r.status == 403
    forged = await client.post(f"/console/support/{planted['handoff_id']}/close", data={})
    assert forged.status == 403
