"""POST /ingest/sms: signed per device, stale and replayed requests refused, raw SMS stored, duplicates counted."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.runtime import open_runtime
from core.audit.service import Actor
from core.db.database import Database
from core.payments.devices import RegisteredDevice, register_device, revoke_device, sign
from core.payments.models import SmsMessage
from core.settings import Settings
from tests.support.factories import make_organization

RECEIVED = (
    "You have received 5,000 RWF from Jean HABIMANA (*********013) at 2026-10-01 10:00:00 . "
    "Message from sender: {ref}. Balance:25,000 RWF. FT Id: {txn}"
)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    rt = await open_runtime(settings)
    c = TestClient(TestServer(create_app(rt)))
    await c.start_server()
    yield c
    await c.close()
    await rt.close()


async def _device(db: Database, settings: Settings) -> RegisteredDevice:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        return await register_device(
            s,
            organization_id=org.id,
            name="collection phone",
            secret_key=settings.secret_key.get_secret_value(),
            actor=Actor.system("tests"),
        )


async def _post(
    client: TestClient,
    dev: RegisteredDevice,
    payload: object,
    *,
    ts: int | None = None,
    secret: str | None = None,
    raw: bytes | None = None,
):
    body = raw if raw is not None else json.dumps(payload).encode()
    stamp = str(ts if ts is not None else int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Device-Id": dev.id,
        "X-Timestamp": stamp,
        "X-Signature": sign(secret or dev.secret, stamp, body),
    }
    return await client.post("/ingest/sms", data=body, headers=headers)


def _sms(ref: str = "12345678", txn: str = "39000000001") -> dict[str, str]:
    return {
        "sender": "M-Money",
        "body": RECEIVED.format(ref=ref, txn=txn),
        "received_at": "2026-10-01T10:00:05+02:00",
    }


async def test_a_signed_sms_is_stored_parsed_and_pending(
    client: TestClient, db: Database, settings: Settings
) -> None:
    dev = await _device(db, settings)
    r = await _post(client, dev, _sms(txn="39100000001"))
    body = await r.json()
    assert r.status == 200, body
    assert body["accepted"] == 1 and body["results"][0]["status"] == "pending"
    async with db.tenant(dev.organization_id) as s:
        row = (
            await s.execute(select(SmsMessage).where(SmsMessage.id == body["results"][0]["id"]))
        ).scalar_one()
    assert (row.amount, row.transaction_id, row.kind, row.reference) == (
        5000,
        "39100000001",
        "received",
        "12345678",
    )
    assert row.source == "forwarder" and row.body.startswith("You have received")


async def test_forged_stale_unknown_and_replayed_requests_are_refused(
    client: TestClient, db: Database, settings: Settings
) -> None:
    dev = await _device(db, settings)
    assert (await _post(client, dev, _sms(txn="39100000002"), secret="not-the-secret")).status == 401
    assert (await _post(client, dev, _sms(txn="39100000002"), ts=int(time.time()) - 3600)).status == 401
    body = json.dumps(_sms(txn="39100000002")).encode()
    ts = int(time.time())
    first = await _post(client, dev, None, ts=ts, raw=body)
    assert first.status == 200
    replay = await _post(client, dev, None, ts=ts, raw=body)
    assert replay.status == 409
    unknown = RegisteredDevice("dev_nope", "x", dev.organization_id, dev.secret)
    assert (await _post(client, unknown, _sms())).status == 401
    missing = await client.post("/ingest/sms", data=b"{}", headers={"Content-Type": "application/json"})
    assert missing.status == 401


async def test_a_revoked_device_is_refused(client: TestClient, db: Database, settings: Settings) -> None:
    dev = await _device(db, settings)
    async with db.system() as s:
        await revoke_device(s, public_id=dev.id, actor=Actor.system("tests"))
    assert (await _post(client, dev, _sms(txn="39100000003"))).status == 401


async def test_signed_but_malformed_bodies_get_400_with_a_reason(
    client: TestClient, db: Database, settings: Settings
) -> None:
    dev = await _device(db, settings)
    r = await _post(client, dev, None, raw=b"{not json")
    assert r.status == 400 and "not JSON" in (await r.json())["detail"]
    r = await _post(client, dev, {"sender": "M-Money"})
    assert r.status == 400 and "body" in (await r.json())["detail"]
    r = await _post(client, dev, [])
    assert r.status == 400


async def test_duplicates_are_recognised_and_unparseable_messages_kept(
    client: TestClient, db: Database, settings: Settings
) -> None:
    dev = await _device(db, settings)
    same_text = _sms(txn="39100000010")
    other_text_same_txn = dict(_sms(txn="39100000010"), body=_sms(txn="39100000010")["body"] + " ")
    other_text_same_txn["body"] = other_text_same_txn["body"].replace("Jean HABIMANA", "JEAN HABIMANA")
    junk = {
        "sender": "M-Money",
        "body": "Yello! Kanda *182*16# ubone 50% bonus",
        "received_at": "2026-10-01T10:00:00",
    }
    r = await _post(client, dev, {"messages": [same_text, same_text, other_text_same_txn, junk]})
    statuses = [x["status"] for x in (await r.json())["results"]]
    assert statuses == ["pending", "duplicate", "duplicate", "unparsed"]  # unparsed: kept for a person
    r = await _post(client, dev, same_text)  # a later request with the same text
    assert (await r.json())["results"][0]["status"] == "duplicate"
    async with db.tenant(dev.organization_id) as s:
        rows = (
            (
                await s.execute(
                    select(SmsMessage.status)
                    .where(SmsMessage.device_id.is_not(None))
                    .where(SmsMessage.transaction_id == "39100000010")
                )
            )
            .scalars()
            .all()
        )
    assert sorted(rows) == ["duplicate", "pending"]  # the re-worded copy is kept, marked, never pending twice
