"""The console's Operations page (platform admins only): the webhook inbox's backlog and given-up rows, a retry
that the running service then works, and delivery's backlog; organization staff never see it."""

from __future__ import annotations

import asyncio
import json
import re

from sqlalchemy import select, update

from core.audit.models import AuditEvent
from core.db.database import Database
from core.identity.roles import StaffRole
from core.messaging.inbox import store
from core.messaging.models import WebhookInboxItem
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff
from tests.support.provider_payloads import fresh_whatsapp, unique_phone
from tests.support.tenant_sweep import plant_message


async def given_up_webhook(db: Database) -> int:
    """A real WhatsApp message whose work failed five times (say, a bug since fixed)."""
    body, _ = fresh_whatsapp("text_message.json", phone=unique_phone())
    item_id = await store(db, "whatsapp", json.loads(body), claim=True)
    async with db.system() as s:
        await s.execute(
            update(WebhookInboxItem).where(WebhookInboxItem.id == item_id)
            .values(attempts=5, failed_at=WebhookInboxItem.received_at, claimed_until=None,
                    error="ProgrammingError: column \"x\" does not exist")
        )  # fmt: skip
    return item_id


def number(html: str, attribute: str) -> int:
    match = re.search(rf'{attribute}="(\d+)"', html)
    assert match, attribute
    return int(match.group(1))


async def test_a_platform_admin_sees_the_backlogs_and_retries_a_given_up_webhook(db: Database,
                                                                                   console_client: ClientFactory) -> None:  # fmt: skip
    item_id = await given_up_webhook(db)
    await plant_message(db, await make_organization(db))  # failed a moment ago
    admin, secret = await make_staff(db, None)
    client = await console_client()
    await sign_in(client, admin.email, STAFF_PASSWORD, secret)

    html = await (await client.get("/console/operations")).text()
    assert 'href="/console/operations"' in html
    assert number(html, "data-inbox-failed") >= 1 and number(html, "data-relay-failed") >= 1
    row = re.search(rf'<tr data-webhook="{item_id}".*?</tr>', html, re.S)
    assert row and "whatsapp" in row.group(0) and "does not exist" in row.group(0)

    token = await page_csrf(client, "/console/operations")
    retried = await client.post("/console/operations/inbox/retry", data={"csrf_token": token, "item_id": str(item_id)},
                                allow_redirects=False)  # fmt: skip
    assert retried.status == 303 and retried.headers["Location"] == f"/console/operations?requeued={item_id}"
    deadline = asyncio.get_running_loop().time() + 10
    while True:  # the running service's inbox loop takes it up with a fresh set of attempts
        async with db.system() as s:
            item = await s.get(WebhookInboxItem, item_id)
        assert item is not None and item.failed_at is None
        if item.done_at is not None:
            break
        assert asyncio.get_running_loop().time() < deadline, "the retried webhook was never worked"
        await asyncio.sleep(0.1)
    assert item.attempts == 1
    async with db.system() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.requeued",
                                                        AuditEvent.object_id == str(item_id)))  # fmt: skip
    assert event is not None and event.actor_id == str(admin.id)
    after = await (await client.get(f"/console/operations?requeued={item_id}")).text()
    assert f'data-requeued="{item_id}"' in after and f'data-webhook="{item_id}"' not in after

    again = await client.post("/console/operations/inbox/retry", data={"csrf_token": token, "item_id": str(item_id)})
    assert again.status == 404  # no longer given up
    bad = await client.post("/console/operations/inbox/retry", data={"csrf_token": token, "item_id": "x"})
    assert bad.status == 422


async def test_organization_staff_never_reach_operations(db: Database, console_client: ClientFactory) -> None:
    item_id = await given_up_webhook(db)
    manager, secret = await make_staff(db, await make_organization(db), role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, manager.email, STAFF_PASSWORD, secret)
    assert "/console/operations" not in await (await client.get("/console/")).text()
    assert (await client.get("/console/operations")).status == 403
    token = await page_csrf(client, "/console/")
    refused = await client.post("/console/operations/inbox/retry", data={"csrf_token": token, "item_id": str(item_id)})
    assert refused.status == 403
    async with db.system() as s:
        item = await s.get(WebhookInboxItem, item_id)
    assert item is not None and item.failed_at is not None  # still given up
