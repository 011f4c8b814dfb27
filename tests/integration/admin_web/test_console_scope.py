"""Platform admins act across organizations or pick one; the pick rotates the session and scopes the data."""

from __future__ import annotations

from core.db.database import Database
from core.identity.roles import StaffRole
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff


async def test_platform_admin_picks_an_organization(db: Database, console_client: ClientFactory) -> None:
    a, b = await make_organization(db, name="Alpha SACCO"), await make_organization(db, name="Beta SACCO")
    in_a, _ = await make_staff(db, a, role=StaffRole.AUDITOR)
    in_b, _ = await make_staff(db, b, role=StaffRole.AUDITOR)
    admin, secret = await make_staff(db, None)
    client = await console_client()
    await sign_in(client, admin.email, STAFF_PASSWORD, secret)
    assert "All organizations" in await (await client.get("/console/")).text()
    everyone = await (await client.get("/console/staff")).text()
    assert in_a.email in everyone and in_b.email in everyone
    before = client.session.cookie_jar.filter_cookies(client.make_url("/"))["ibimina_console"].value
    picked = await client.post(
        "/console/scope",
        data={"organization_id": str(a.id), "csrf_token": await page_csrf(client, "/console/scope")},
        allow_redirects=False,
    )
    assert picked.status == 303
    after = client.session.cookie_jar.filter_cookies(client.make_url("/"))["ibimina_console"].value
    assert after != before
    assert "Alpha SACCO" in await (await client.get("/console/")).text()
    scoped = await (await client.get("/console/staff")).text()
    assert in_a.email in scoped and in_b.email not in scoped
    missing = await client.post(
        "/console/scope",
        data={"organization_id": "999999999", "csrf_token": await page_csrf(client, "/console/scope")},
    )
    assert missing.status == 404
