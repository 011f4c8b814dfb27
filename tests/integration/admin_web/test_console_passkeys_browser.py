"""Passkeys end to end in headless Chromium with its virtual authenticator (the DevTools WebAuthn domain):
add one on the security page, sign out, then sign in with the password and the passkey, no code typed."""

from __future__ import annotations

import socket
from typing import Any

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db.database import Database
from core.identity.roles import StaffRole
from tests.integration.admin_web.conftest import ClientFactory
from tests.integration.admin_web.test_console_browser import OUT, _sign_in
from tests.support.chromium import BROWSER_TEST
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff

pytestmark = BROWSER_TEST


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_add_a_passkey_then_sign_in_with_it(db: Database, console_client: ClientFactory, browser: Any) -> None:
    org = await make_organization(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    assert secret is not None
    port = free_port()
    base = f"http://localhost:{port}"  # a passkey's relying party is a host name, never an IP address
    await console_client(port=port, public_base_url=base)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    devtools = await context.new_cdp_session(page)
    await devtools.send("WebAuthn.enable")
    await devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})  # fmt: skip

    await _sign_in(page, base, user.email, secret)
    await page.goto(base + "/console/security")
    await page.fill("#passkey-label", "Chromium's authenticator")
    await page.click("button:has-text('Add a passkey')")
    await page.wait_for_selector("tr[data-passkey]:has-text(\"Chromium's authenticator\")")
    OUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUT / "security-passkey.png"), full_page=True)

    await context.clear_cookies()  # signed out: a new sign-in from the start
    await page.goto(base + "/console/login")
    await page.fill("input[type=email]", user.email)
    await page.fill("input[type=password]", STAFF_PASSWORD)
    await page.keyboard.press("Enter")
    button = page.locator("button:has-text('Use a passkey instead'):visible")
    await button.wait_for()
    await button.click()
    await page.wait_for_url("**/console/")
    async with db.system() as s:
        methods = list((await s.execute(select(AuditEvent.details["method"].astext).where(
            AuditEvent.action == "staff.login", AuditEvent.actor_id == str(user.id)).order_by(AuditEvent.id))).scalars())  # fmt: skip
    assert methods == ["totp", "passkey"] and problems == [], (methods, problems)
    await context.close()
