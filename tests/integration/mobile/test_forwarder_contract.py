"""A request signed by the forwarder's JavaScript is accepted by the real /ingest/sms, and a tampered one is not."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.audit.service import Actor
from core.db.database import Database
from core.payments.devices import register_device
from core.settings import Settings
from tests.support.factories import make_organization

SIGNER = Path(__file__).resolve().parents[3] / "mobile" / "forwarder" / "tools" / "sign-request.mjs"
SMS = (
    "You have received 5,000 RWF from Jean HABIMANA (*********013) at 2026-10-01 10:00:00 . "
    "Message from sender: 12345678. Balance:25,000 RWF. FT Id: {txn}"
)


def js_signed(device_id: str, secret: str, messages: list[dict[str, str]]) -> dict[str, object]:
    options = {"endpoint": "/ingest/sms", "deviceId": device_id, "secret": secret, "messages": messages,
               "now": int(time.time() * 1000)}
    done = subprocess.run(["node", str(SIGNER)], input=json.dumps(options), capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_js_signed_batches_are_accepted(client: TestClient, db: Database, settings: Settings) -> None:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        dev = await register_device(s, organization_id=org.id, name="collection phone",
                                    secret_key=settings.secret_key.get_secret_value(), actor=Actor.system("tests"))
    stamp = int(time.time())
    messages = [
        {"sender": "M-Money", "body": SMS.format(txn=f"4{stamp}{i:02d}"), "received_at": "2026-10-01T10:00:05+02:00"}
        for i in range(3)
    ] + [{"sender": "M-Money", "body": "Murakoze — Élise ✓", "received_at": "2026-10-01T10:01:00+02:00"}]
    request = js_signed(dev.id, dev.secret, messages)
    headers = dict(request["headers"])  # type: ignore[arg-type]
    body = str(request["body"]).encode("utf-8")
    r = await client.post("/ingest/sms", data=body, headers=headers)
    answer = await r.json()
    assert r.status == 200, answer
    assert answer["accepted"] == 4
    replay = await client.post("/ingest/sms", data=body, headers=headers)
    assert replay.status == 409  # the forwarder counts this as delivered
    tampered = js_signed(dev.id, dev.secret, messages[:1])
    r = await client.post("/ingest/sms", data=str(tampered["body"]).encode() + b" ", headers=dict(tampered["headers"]))  # type: ignore[arg-type]
    assert r.status == 401
    wrong = js_signed(dev.id, dev.secret + "0", messages[:1])
    r = await client.post("/ingest/sms", data=str(wrong["body"]).encode(), headers=dict(wrong["headers"]))  # type: ignore[arg-type]
    assert r.status == 401
