"""Join requests in the console: approve creates the member in the group, reject closes; roles and CSRF."""

from __future__ import annotations

from core.db.database import Database
from core.identity.roles import StaffRole
from core.join_requests.models import JoinRequest
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff
from tests.support.tenant_sweep import plant_join_request


async def test_approve_and_reject(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    first, second = await plant_join_request(db, org), await plant_join_request(db, org)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    page = await (await client.get("/console/join-requests")).text()
    assert page.count("Aline Mukamana") == 2
    token = await page_csrf(client, "/console/join-requests")
    ok = await client.post(
        f"/console/join-requests/{first['request_id']}/approve",
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert ok.status == 303 and ok.headers["Location"].startswith("/console/members/")
    member_page = await (await client.get(ok.headers["Location"])).text()
    assert "Aline Mukamana" in member_page
    no = await client.post(
        f"/console/join-requests/{second['request_id']}/reject",
        data={"csrf_token": token, "note": "not in this group"},
        allow_redirects=False,
    )
    assert no.status == 303
    async with db.system() as s:
        rejected = await s.get(JoinRequest, second["request_id"])
        assert rejected is not None and rejected.status == "rejected"
    again = await client.post(
        f"/console/join-requests/{first['request_id']}/approve", data={"csrf_token": token}
    )
    assert again.status == 409


async def test_support_agents_read_but_do_not_decide(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    planted = await plant_join_request(db, org)
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    page = await client.get("/console/join-requests")
    assert page.status == 200 and "/approve" not in await page.text()
    token = await page_csrf(client, "/console/join-requests")
    r = await client.post(
        f"/console/join-requests/{planted['request_id']}/approve", data={"csrf_token": token}
    )
    assert r.status == 403
