"""Console sign-in over HTTP: password then TOTP, cookie flags, rotation, lockout messages, enrolment, logout."""

from __future__ import annotations

import re

import pyotp

from core.db.database import Database
from core.identity.roles import StaffRole
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import csrf_from, page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff


def _set_cookie(response: object, name_part: str) -> str:
    headers = response.headers.getall("Set-Cookie", [])  # type: ignore[attr-defined]
    found = [h for h in headers if name_part in h.split("=", 1)[0]]
    assert found, f"no Set-Cookie for {name_part}: {headers}"
    return found[0]


async def test_session_cookie_is_httponly_secure_samesite_and_host_only(
    db: Database, console_client: ClientFactory
) -> None:
    client = await console_client(secure_cookies=True)
    user, _ = await make_staff(db, await make_organization(db))
    page = await client.get("/console/login")
    login_cookie = _set_cookie(page, "login")
    assert "HttpOnly" in login_cookie and "Secure" in login_cookie and "SameSite=Strict" in login_cookie
    nonce = login_cookie.split(";", 1)[0].split("=", 1)[1]
    form = {"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_from(await page.text())}
    response = await client.post(
        "/console/login", data=form, allow_redirects=False, cookies={"__Host-ibimina_login": nonce}
    )
    assert response.status == 303, await response.text()
    cookie = _set_cookie(response, "console")
    assert cookie.startswith("__Host-ibimina_console=")
    for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert flag in cookie, (flag, cookie)
    assert "Domain" not in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()


async def test_password_then_code_reaches_the_console_with_a_new_session_id(
    db: Database, console_client: ClientFactory
) -> None:
    client = await console_client()
    user, secret = await make_staff(db, await make_organization(db))
    assert (await client.get("/console/exceptions", allow_redirects=False)).headers[
        "Location"
    ] == "/console/login"
    page = await client.get("/console/login")
    html = await page.text()
    assert 'type="email" name="email"' in html and 'type="password" name="password"' in html
    step = await client.post(
        "/console/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_from(html)},
        allow_redirects=False,
    )
    assert step.headers["Location"] == "/console/mfa"
    pending_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["ibimina_console"].value
    assert (
        await client.get("/console/", allow_redirects=False)
    ).status == 303  # a password alone is not enough
    mfa = await client.get("/console/mfa")
    mfa_html = await mfa.text()
    assert 'name="code"' in mfa_html and 'autocomplete="one-time-code"' in mfa_html
    done = await client.post(
        "/console/mfa",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(mfa_html)},
        allow_redirects=False,
    )
    assert done.status == 303 and done.headers["Location"] == "/console/"
    full_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["ibimina_console"].value
    assert full_cookie != pending_cookie
    for path in ("/console/", "/console/exceptions", "/console/security", "/console/staff"):
        response = await client.get(path)
        assert response.status == 200, path
        assert response.headers["Cache-Control"] == "no-store"
    dashboard = await (await client.get("/console/")).text()
    assert 'href="/console/exceptions"' in dashboard and 'hreflang="rw"' in dashboard


async def test_logout_needs_csrf_and_ends_the_session(db: Database, console_client: ClientFactory) -> None:
    client = await console_client()
    user, secret = await make_staff(db, await make_organization(db))
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/")
    assert (await client.post("/console/logout", data={}, allow_redirects=False)).status == 403
    assert (
        await client.post("/console/logout", data={"csrf_token": "x" * 43}, allow_redirects=False)
    ).status == 403
    assert (await client.get("/console/")).status == 200  # still signed in
    out = await client.post("/console/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/console/login"
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_wrong_passwords_then_lockout_with_clear_messages(
    db: Database, console_client: ClientFactory
) -> None:
    for use_redis in (True, False):  # Redis, and the PostgreSQL fallback of the embedded default
        client = await console_client(use_redis=use_redis)
        user, _ = await make_staff(db, await make_organization(db))
        csrf = csrf_from(await (await client.get("/console/login")).text())
        statuses = []
        for i in range(5):
            r = await client.post(
                "/console/login", data={"email": user.email, "password": f"bad-{i}", "csrf_token": csrf}
            )
            statuses.append(r.status)
            text = await r.text()
        assert statuses == [401, 401, 401, 401, 429]
        assert "Too many failed sign-in attempts" in text and "minutes" in text
        assert 800 < int(r.headers["Retry-After"]) <= 900
        r = await client.post(
            "/console/login", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf}
        )
        assert r.status == 429  # locked even with the right password


async def test_json_step_for_the_sign_in_script(db: Database, console_client: ClientFactory) -> None:
    client = await console_client()
    user, secret = await make_staff(db, await make_organization(db))
    csrf = csrf_from(await (await client.get("/console/login")).text())
    headers = {"Accept": "application/json"}
    bad = await client.post(
        "/console/login", data={"email": user.email, "password": "nope", "csrf_token": csrf}, headers=headers
    )
    assert bad.status == 401 and (await bad.json()) == {"error": "The email or password is wrong."}
    ok = await client.post(
        "/console/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf},
        headers=headers,
    )
    body = await ok.json()
    assert body["step"] == "code" and body["csrf_token"]
    done = await client.post(
        "/console/mfa",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": body["csrf_token"]},
        allow_redirects=False,
    )
    assert done.headers["Location"] == "/console/"


async def test_unenrolled_staff_enrol_with_a_qr_code_and_get_backup_codes(
    db: Database, console_client: ClientFactory
) -> None:
    client = await console_client()
    user, _ = await make_staff(db, await make_organization(db), role=StaffRole.AUDITOR, enrolled=False)
    csrf = csrf_from(await (await client.get("/console/login")).text())
    await client.post(
        "/console/login", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf}
    )
    page = await (await client.get("/console/mfa")).text()
    assert "<svg" in page and "<script" not in page.split("<body>", 1)[1]
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    wrong = await client.post("/console/mfa", data={"code": "000000", "csrf_token": csrf_from(page)})
    assert wrong.status == 401 and "not valid" in await wrong.text()
    codes_page = await client.post(
        "/console/mfa", data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_from(page)}
    )
    assert codes_page.status == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", await codes_page.text())
    assert len(codes) == 10
    assert (await client.get("/console/exceptions")).status == 200


async def test_trusted_device_cookie_skips_the_code_next_time(
    db: Database, console_client: ClientFactory
) -> None:
    client = await console_client()
    user, secret = await make_staff(db, await make_organization(db))
    csrf = csrf_from(await (await client.get("/console/login")).text())
    await client.post(
        "/console/login", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf}
    )
    mfa = await (await client.get("/console/mfa")).text()
    done = await client.post(
        "/console/mfa",
        data={"code": pyotp.TOTP(secret).now(), "trust_device": "on", "csrf_token": csrf_from(mfa)},
        allow_redirects=False,
    )
    device = _set_cookie(done, "device")
    assert "HttpOnly" in device and "SameSite=Strict" in device and "Max-Age=2592000" in device
    await client.post("/console/logout", data={"csrf_token": await page_csrf(client, "/console/")})
    csrf = csrf_from(await (await client.get("/console/login")).text())
    again = await client.post(
        "/console/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
    )
    assert again.headers["Location"] == "/console/"
    security = await (await client.get("/console/security")).text()
    device_id = re.search(r"/console/security/devices/(\d+)/revoke", security)
    assert device_id is not None
    revoked = await client.post(
        f"/console/security/devices/{device_id.group(1)}/revoke",
        data={"csrf_token": csrf_from(security)},
        allow_redirects=False,
    )
    assert revoked.status == 303
    await client.post("/console/logout", data={"csrf_token": await page_csrf(client, "/console/")})
    csrf = csrf_from(await (await client.get("/console/login")).text())
    third = await client.post(
        "/console/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
    )
    assert third.headers["Location"] == "/console/mfa"


async def test_sign_in_and_security_pages_speak_the_staff_members_language(db: Database,
                                                                          console_client: ClientFactory) -> None:  # fmt: skip
    client = await console_client()
    assert "Injira muri konsole" in await (await client.get("/console/login?lang=rw")).text()
    user, secret = await make_staff(db, await make_organization(db), role=StaffRole.MANAGER)
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    security = await (await client.get("/console/security?lang=fr")).text()
    assert "La sécurité de votre compte" in security and "Appareils de confiance" in security and "sur 10 inutilisés" in security
