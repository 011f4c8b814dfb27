"""The whole path: a signed POST /ingest/sms, the in-process reconcile job, the member's savings balance."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.keys import JOBS
from bot.runtime import open_runtime
from core.audit.service import Actor
from core.db.database import Database
from core.ledger.balances import member_balances
from core.payments.devices import register_device, sign
from core.payments.exception_queue import list_exceptions
from core.settings import Settings
from tests.support.factories import make_group, make_member, make_organization
from tests.support.momo import code_of, mtn_received, next_txn


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    rt = await open_runtime(settings)
    c = TestClient(TestServer(create_app(rt)))
    await c.start_server()
    yield c
    await c.close()
    await rt.close()


async def test_a_forwarded_payment_with_a_code_reaches_the_members_savings(
    client: TestClient, db: Database, settings: Settings
) -> None:
    org = await make_organization(db)
    group = await make_group(db, org, contribution_amount=5000)
    member = await make_member(db, org, group)
    code = await code_of(db, org.id, member.id)
    async with db.tenant(org.id) as s:
        device = await register_device(s, organization_id=org.id, name="collection phone",
                                       secret_key=settings.secret_key.get_secret_value(), actor=Actor.system("tests"))
    paid = mtn_received(5000, code, txn=next_txn())
    stray = mtn_received(3000, "", txn=next_txn())
    body = json.dumps({"messages": [
        {"sender": m.sender, "body": m.body, "received_at": m.received_at.isoformat()} for m in (paid, stray)
    ]}).encode()
    stamp = str(int(time.time()))
    response = await client.post("/ingest/sms", data=body, headers={
        "Content-Type": "application/json", "X-Device-Id": device.id, "X-Timestamp": stamp,
        "X-Signature": sign(device.secret, stamp, body)})
    assert response.status == 200, await response.text()
    await client.server.app[JOBS].drain()
    async with db.tenant(org.id) as s:
        balances = await member_balances(s, org.id, member.id)
    assert [(b.group_id, b.balance.amount) for b in balances] == [(group.id, 5000)]
    queue = await list_exceptions(db, org.id)
    assert [(i.reason, i.amount and i.amount.amount) for i in queue.items] == [("no_reference", 3000)]
