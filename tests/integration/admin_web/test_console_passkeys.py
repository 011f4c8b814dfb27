"""Passkeys over HTTP with a software authenticator: added on the security page, then used instead of a code;
refused for another origin, a replayed challenge, a cloned authenticator (its counter went back) and someone
else's passkey; removed; and wrong passkeys count toward the same lockout as wrong codes."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db.database import Database
from core.identity.passkeys import RelyingParty
from core.identity.roles import StaffRole
from core.identity.staff_models import StaffPasskey
from core.settings import Settings
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.authenticator import SoftAuthenticator
from tests.support.console import csrf_from, page_csrf, password_step, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff


async def post_json(client: TestClient, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    response = await client.post(path, json=body, headers={"X-CSRF-Token": token})
    return response.status, await response.json()


async def add_passkey(client: TestClient, authenticator: SoftAuthenticator, label: str) -> int:
    token = await page_csrf(client, "/console/security")
    status, options = await post_json(client, "/console/security/passkeys/options", token)
    assert status == 200, options
    status, added = await post_json(client, "/console/security/passkeys", token,
                                    {"credential": authenticator.create(options), "label": label})  # fmt: skip
    assert status == 200, added
    return int(added["id"])


async def passkey_step(client: TestClient, mfa_page: str, authenticator: SoftAuthenticator,
                       **signing: Any) -> tuple[int, Any]:  # fmt: skip
    token = csrf_from(mfa_page)
    status, options = await post_json(client, "/console/mfa/passkey/options", token)
    assert status == 200, options
    return await post_json(client, "/console/mfa/passkey", token,
                           {"credential": authenticator.get(options, **signing)})  # fmt: skip


async def test_a_passkey_is_added_then_signs_in_instead_of_a_code(db: Database, settings: Settings,
                                                                 console_client: ClientFactory) -> None:  # fmt: skip
    rp = RelyingParty.from_settings(settings)
    phone = SoftAuthenticator(origin=rp.origin, rp_id=rp.id)
    org = await make_organization(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/security")
    status, options = await post_json(client, "/console/security/passkeys/options", token)
    assert status == 200 and options["rp"]["id"] == rp.id and options["user"]["name"] == user.email
    credential = phone.create(options)
    status, added = await post_json(client, "/console/security/passkeys", token,
                                    {"credential": credential, "label": "My phone"})  # fmt: skip
    assert status == 200 and added["label"] == "My phone"
    status, replayed = await post_json(client, "/console/security/passkeys", token,
                                       {"credential": credential, "label": "again"})  # fmt: skip
    assert status == 422 and "ask for a passkey first" in replayed["error"]
    page = await (await client.get("/console/security")).text()
    assert f'data-passkey="{added["id"]}"' in page and "My phone" in page

    signing_in = await console_client()
    mfa_page = await password_step(signing_in, user.email, STAFF_PASSWORD)
    assert "data-passkey-signin" in mfa_page
    status, done = await passkey_step(signing_in, mfa_page, phone)
    assert status == 200 and done == {"next": "/console/"}
    home = await signing_in.get("/console/", allow_redirects=False)
    assert home.status == 200  # signed in, without a code
    async with db.system() as s:
        methods = [e.details.get("method") for e in (await s.execute(
            select(AuditEvent).where(AuditEvent.action == "staff.login", AuditEvent.actor_id == str(user.id))
            .order_by(AuditEvent.id)
        )).scalars()]  # fmt: skip
        stored = await s.scalar(select(StaffPasskey).where(StaffPasskey.id == added["id"]))
    assert methods[-1] == "passkey" and stored is not None and stored.sign_count == phone.counter
    assert stored.last_used_at is not None


async def test_passkeys_that_must_not_sign_in(db: Database, settings: Settings,
                                              console_client: ClientFactory) -> None:  # fmt: skip
    rp = RelyingParty.from_settings(settings)
    org = await make_organization(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    other, other_secret = await make_staff(db, org, role=StaffRole.AUDITOR)
    mine, theirs = SoftAuthenticator(rp.origin, rp.id), SoftAuthenticator(rp.origin, rp.id)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    passkey_id = await add_passkey(client, mine, "Laptop")
    colleague = await console_client()
    await sign_in(colleague, other.email, STAFF_PASSWORD, other_secret)
    await add_passkey(colleague, theirs, "Their key")

    attempt = await console_client()
    mfa_page = await password_step(attempt, user.email, STAFF_PASSWORD)
    assert (await passkey_step(attempt, mfa_page, mine, origin="https://ibimina-login.example"))[0] == 401  # phished
    assert (await passkey_step(attempt, mfa_page, theirs))[0] == 401  # a colleague's passkey is not yours
    token = csrf_from(mfa_page)
    _, options = await post_json(attempt, "/console/mfa/passkey/options", token)
    answer = mine.get(options)
    assert (await post_json(attempt, "/console/mfa/passkey", token, {"credential": answer}))[0] == 200
    replayed = await attempt.post("/console/mfa/passkey", json={"credential": answer}, headers={"X-CSRF-Token": token},
                                  allow_redirects=False)  # fmt: skip
    assert replayed.status == 403  # that sign-in is over: its token and its challenge are spent

    cloned = await console_client()
    mfa_page = await password_step(cloned, user.email, STAFF_PASSWORD)
    status, refused = await passkey_step(cloned, mfa_page, mine, counter=1)  # the counter went backwards
    assert status == 401 and "did not work" in refused["error"]
    bad = await cloned.post("/console/mfa/passkey", data=b"{not json", headers={"X-CSRF-Token": csrf_from(mfa_page)})
    assert bad.status == 400

    token = await page_csrf(client, "/console/security")
    removed = await client.post(f"/console/security/passkeys/{passkey_id}/remove", data={"csrf_token": token},
                                allow_redirects=False)  # fmt: skip
    assert removed.status == 303
    after = await console_client()
    mfa_page = await password_step(after, user.email, STAFF_PASSWORD)
    status, none_left = await post_json(after, "/console/mfa/passkey/options", csrf_from(mfa_page))
    assert status == 404 and "use your code" in none_left["error"]
    async with db.system() as s:
        actions = list((await s.execute(select(AuditEvent.action).where(
            AuditEvent.actor_id == str(user.id), AuditEvent.action.like("staff.passkey%")).order_by(AuditEvent.id)
        )).scalars())  # fmt: skip
    assert actions == ["staff.passkey_added", "staff.passkey_removed"]


async def test_wrong_passkeys_lock_the_account_like_wrong_codes(db: Database, settings: Settings,
                                                               console_client: ClientFactory) -> None:  # fmt: skip
    rp = RelyingParty.from_settings(settings)
    org = await make_organization(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    mine = SoftAuthenticator(rp.origin, rp.id)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    await add_passkey(client, mine, "Key")
    attempt = await console_client()
    mfa_page = await password_step(attempt, user.email, STAFF_PASSWORD)
    statuses = [(await passkey_step(attempt, mfa_page, mine, origin="https://evil.example"))[0] for _ in range(4)]
    status, locked = await passkey_step(attempt, mfa_page, mine, origin="https://evil.example")
    assert statuses == [401] * 4 and status == 429 and locked["error"]
