"""Tenant walls at the HTTP edge: as organization A, every id-taking route answers 404 for B's objects."""

from __future__ import annotations

import re

import pytest
from aiohttp import web

from admin_web.app import setup
from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.member_sessions import start_session
from core.identity.roles import StaffRole
from core.settings import Settings
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.console_deps import dummy_deps
from tests.support.factories import STAFF_PASSWORD, make_member, make_organization, make_staff
from tests.support.tenant_sweep import COVERED_PREFIXES, SWEEP_CASES, SweepCase

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("case", SWEEP_CASES, ids=[f"{c.method} {c.path}" for c in SWEEP_CASES])
async def test_organization_a_gets_404_for_organization_b_objects(
    case: SweepCase, db: Database, settings: Settings, console_client: ClientFactory
) -> None:
    keys = IdentityKeys.from_settings(settings)
    a, b = await make_organization(db), await make_organization(db)
    planted = await case.plant(db, keys, b)
    path = _PLACEHOLDER.sub(lambda m: str(planted[m.group(1)]), case.path)
    client = await console_client()
    headers: dict[str, str] = {}
    data = dict(case.form)
    if case.as_ == "staff":
        user, secret = await make_staff(db, a, role=StaffRole.MANAGER)
        await sign_in(client, user.email, STAFF_PASSWORD, secret)
        if case.method != "GET":
            data["csrf_token"] = await page_csrf(client, "/console/")
    else:
        member = await make_member(db, a)
        pair = await start_session(db, keys, organization_id=a.id, member_id=member.id)
        headers["Authorization"] = f"Bearer {pair.access_token}"
    response = await client.request(
        case.method, path, data=data or None, headers=headers, allow_redirects=False
    )
    body = await response.text()
    assert response.status == 404, (case.path, response.status, body[:300])
    for value in planted.values():
        if isinstance(value, str) and len(value) > 6:
            assert value not in body
    if case.unchanged is not None:
        assert await case.unchanged(db, planted), "B's object changed"


def test_every_id_taking_console_route_is_in_the_sweep() -> None:
    console = setup(web.Application(), dummy_deps())
    covered = {(c.method, _PLACEHOLDER.sub("{}", c.path)) for c in SWEEP_CASES}
    for route in console.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if "{" not in canonical or canonical.startswith("/console/static"):
            continue
        if not canonical.startswith(COVERED_PREFIXES):
            continue
        key = (route.method, _PLACEHOLDER.sub("{}", canonical))
        assert key in covered, (
            f"add a SweepCase for {route.method} {canonical} in tests/support/tenant_sweep.py"
        )
