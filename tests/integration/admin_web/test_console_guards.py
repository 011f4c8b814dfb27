"""Console guards: CSRF on every state change, security headers on HTML, a permission on every route."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

import admin_web
from admin_web.app import setup
from core.db.database import Database
from core.identity.roles import StaffRole
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import csrf_from, page_csrf, sign_in
from tests.support.console_deps import dummy_deps
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff

TEMPLATES = Path(admin_web.__file__).parent / "templates"


async def test_csrf_missing_or_wrong_is_403_right_is_accepted(
    db: Database, console_client: ClientFactory
) -> None:
    client = await console_client()
    login = await client.post("/console/login", data={"email": "a@example.test", "password": "x" * 12})
    assert login.status == 403  # the sign-in form is protected too
    user, secret = await make_staff(db, await make_organization(db))
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        r = await client.post("/console/security/backup-codes", data=data)
        assert r.status == 403, data
        assert "did not come from this site" in await r.text()
    ok = await client.post("/console/security/backup-codes", data={"csrf_token": token})
    assert ok.status == 200 and len(re.findall(r"<li><code>", await ok.text())) == 10
    header = await client.post(
        "/console/security/sessions/revoke-others", headers={"X-CSRF-Token": token}, allow_redirects=False
    )
    assert header.status == 303


async def test_security_headers_on_console_html(console_client: ClientFactory) -> None:
    client = await console_client()
    r = await client.get("/console/login")
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP: no HSTS
    https = await client.get("/console/login", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")
    css = await client.get("/console/static/console.css")
    assert css.status == 200 and css.headers["X-Content-Type-Options"] == "nosniff"
    js = await client.get("/console/static/signin.js")
    assert js.status == 200 and "fetch" in await js.text()
    missing = await client.get("/console/no-such-page")
    assert missing.status == 404 and "Content-Security-Policy" in missing.headers


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template.name}"
        assert "<style" not in text and " style=" not in text, f"inline style in {template.name}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {template.name}"
        if template.name != "base.html":
            assert text.startswith('{% extends "base.html" %}'), template.name


def test_every_console_route_declares_a_permission_or_is_public() -> None:
    console = setup(web.Application(), dummy_deps())
    for route in console.router.routes():
        if route.resource is None or route.resource.canonical.startswith("/console/static"):
            continue
        handler = route.handler
        declared = handler.__dict__.get("required_permission", "missing")
        assert declared != "missing", (
            f"{route.method} {route.resource.canonical} has neither @require nor @public"
        )
        if declared is None:
            assert handler.__dict__.get("public"), route.resource.canonical


async def test_roles_without_the_permission_get_403(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    manager, _ = await make_staff(db, org, role=StaffRole.MANAGER)
    for role, path, method in (
        (StaffRole.AUDITOR, f"/console/staff/{manager.id}/role", "POST"),
        (StaffRole.SUPPORT_AGENT, "/console/staff", "GET"),
        (StaffRole.MANAGER, "/console/scope", "GET"),
    ):
        client = await console_client()
        user, secret = await make_staff(db, org, role=role)
        await sign_in(client, user.email, STAFF_PASSWORD, secret)
        token = await page_csrf(client, "/console/")
        if method == "POST":
            r = await client.post(path, data={"csrf_token": token, "role": "auditor"})
        else:
            r = await client.get(path)
        assert r.status == 403, (role, path)
        assert csrf_from(await r.text())  # an HTML page in the layout, still signed in
