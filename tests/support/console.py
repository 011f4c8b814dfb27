"""Driving the staff console over HTTP in tests: sign in with password + TOTP, read CSRF tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
from aiohttp.test_utils import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_from(html: str) -> str:
    """The first non-empty csrf_token hidden field of a page."""
    for value in CSRF.findall(html):
        if value:
            return str(value)
    raise AssertionError("no csrf_token on the page")


async def password_step(client: TestClient, email: str, password: str) -> str:
    """The first step only: the password accepted, the second factor due. Returns the /console/mfa page."""
    page = await client.get("/console/login")
    form = {"email": email, "password": password, "csrf_token": csrf_from(await page.text())}
    step = await client.post("/console/login", data=form, allow_redirects=False)
    assert step.status == 303 and step.headers["Location"] == "/console/mfa", await step.text()
    return await (await client.get("/console/mfa")).text()


async def sign_in(
    client: TestClient, email: str, password: str, totp_secret: str, *, at: datetime | None = None
) -> None:
    """Password, then the TOTP code for `at` (default now); ends signed in on /console/."""
    mfa_page = await password_step(client, email, password)
    code = pyotp.TOTP(totp_secret).at(at or datetime.now(UTC))
    done = await client.post(
        "/console/mfa", data={"code": code, "csrf_token": csrf_from(mfa_page)}, allow_redirects=False
    )
    assert done.status == 303 and done.headers["Location"] == "/console/", await done.text()


async def page_csrf(client: TestClient, path: str = "/console/security") -> str:
    """The signed-in session's CSRF token, read from a page's forms."""
    page = await client.get(path)
    assert page.status == 200, path
    return csrf_from(await page.text())
