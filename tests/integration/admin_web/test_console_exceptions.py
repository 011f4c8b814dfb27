"""The exceptions queue over HTTP: list with filters, detail, allocate/ignore/undo/bulk, roles and CSRF."""

from __future__ import annotations

from sqlalchemy import select

from core.db.database import Database
from core.identity.roles import StaffRole
from core.ledger.balances import member_balances
from core.members.models import Group, Member
from core.organizations.models import Organization
from core.payments.exception_queue import list_exceptions
from core.payments.recon_models import PaymentException
from core.payments.reconcile import reconcile_messages
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_group, make_member, make_organization, make_staff
from tests.support.momo import mtn_received, store


async def _savings(db: Database, org_id: int, member_id: int) -> int:
    async with db.tenant(org_id) as s:
        return sum(b.balance.amount for b in await member_balances(s, org_id, member_id))


async def _queue(db: Database) -> tuple[Organization, Group, Member, dict[str, int]]:
    """A member whose phone tail matches a payment with no reference, and an unreadable SMS."""
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    junk = mtn_received(1)
    await store(
        db,
        org.id,
        mtn_received(2000, "", name=member.full_name.upper(), phone="*********" + member.phone[-3:]),
        type(junk)(junk.sender, "Y'ello! Your MoMo account was credited. Thank you", junk.received_at),
    )
    await reconcile_messages(db, org.id)
    page = await list_exceptions(db, org.id)
    return org, group, member, {item.reason: item.id for item in page.items}


async def test_queue_detail_allocate_undo_and_ignore(db: Database, console_client: ClientFactory) -> None:
    org, group, member, ids = await _queue(db)
    user, secret = await make_staff(db, org, role=StaffRole.ACCOUNTANT)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    listing = await client.get("/console/exceptions")
    html = await listing.text()
    assert listing.status == 200 and "no_reference" in html or "No reference" in html
    filtered = await (await client.get("/console/exceptions?reason=unparsed")).text()
    assert f'data-id="{ids["unparsed"]}"' in filtered and f'data-id="{ids["no_reference"]}"' not in filtered
    exc_id = ids["no_reference"]
    detail = await client.get(f"/console/exceptions/{exc_id}")
    body = await detail.text()
    assert detail.status == 200 and "You have received 2,000 RWF" in body and member.last_name in body
    token = await page_csrf(client, "/console/exceptions")
    before = await _savings(db, org.id, member.id)
    done = await client.post(
        f"/console/exceptions/{exc_id}/allocate",
        data={"csrf_token": token, "member_id": str(member.id), "group_id": str(group.id)},
        allow_redirects=False,
    )
    assert done.status == 303 and f"done={exc_id}" in done.headers["Location"]
    assert await _savings(db, org.id, member.id) == before + 2000
    member_page = await (await client.get(f"/console/members/{member.id}")).text()
    assert "2\u202f000 RWF" in member_page
    undo = await client.post(
        f"/console/exceptions/{exc_id}/undo",
        data={"csrf_token": token, "reason": "wrong"},
        allow_redirects=False,
    )
    assert undo.status == 303 and await _savings(db, org.id, member.id) == before
    again = await client.post(
        f"/console/exceptions/{exc_id}/allocate",
        data={"csrf_token": token, "payee": f"#{member.id}"},
        allow_redirects=False,
    )
    assert again.status == 303 and await _savings(db, org.id, member.id) == before + 2000
    ignored = await client.post(
        f"/console/exceptions/{ids['unparsed']}/ignore",
        data={"csrf_token": token, "reason": "airtime promo"},
        allow_redirects=False,
    )
    assert ignored.status == 303
    no_reason = await client.post(
        f"/console/exceptions/{exc_id}/ignore", data={"csrf_token": token, "reason": ""}
    )
    assert no_reason.status in (400, 409, 422)
    async with db.tenant(org.id) as s:
        statuses = set(
            (
                await s.execute(
                    select(PaymentException.status).where(PaymentException.organization_id == org.id)
                )
            ).scalars()
        )
    assert statuses == {"resolved"}


async def test_bulk_allocate_takes_clear_suggestions_only(
    db: Database, console_client: ClientFactory
) -> None:
    org, _, member, ids = await _queue(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/exceptions")
    r = await client.post(
        "/console/exceptions/bulk-allocate",
        data=[("csrf_token", token), ("id", str(ids["no_reference"])), ("id", str(ids["unparsed"]))],
        allow_redirects=False,
    )
    assert r.status == 303 and "bulk=" in r.headers["Location"]
    page = await list_exceptions(db, org.id)
    assert ids["unparsed"] in {i.id for i in page.items}  # no suggestion: left for a person


async def test_roles_and_csrf(db: Database, console_client: ClientFactory) -> None:
    org, group, member, ids = await _queue(db)
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    page = await client.get("/console/exceptions")
    assert page.status == 200 and "data-bulk" not in await page.text()
    token = await page_csrf(client, "/console/exceptions")
    exc_id = ids["no_reference"]
    denied = await client.post(
        f"/console/exceptions/{exc_id}/allocate", data={"csrf_token": token, "member_id": str(member.id)}
    )
    assert denied.status == 403
    manager, msecret = await make_staff(db, org, role=StaffRole.MANAGER)
    other = await console_client()
    await sign_in(other, manager.email, STAFF_PASSWORD, msecret)
    forged = await other.post(f"/console/exceptions/{exc_id}/allocate", data={"member_id": str(member.id)})
    assert forged.status == 403
    assert (await other.get("/console/exceptions/abc")).status == 404
    assert (await other.get("/console/exceptions/999999999")).status == 404
    anonymous = await (await console_client()).get("/console/exceptions", allow_redirects=False)
    assert anonymous.status == 303


async def test_dashboard_figures_and_language(db: Database, console_client: ClientFactory) -> None:
    org, group, member, ids = await _queue(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    html = await (await client.get("/console/")).text()
    assert 'data-stat="exceptions">2<' in html and '<svg class="chart"' in html
    rw = await client.get("/console/?lang=rw")
    assert 'lang="rw"' in await rw.text()
    kept = await (await client.get("/console/members")).text()
    assert 'lang="rw"' in kept  # remembered by cookie
    fr = await (await client.get("/console/exceptions?lang=fr")).text()
    assert "Exceptions" in fr and 'lang="fr"' in fr
