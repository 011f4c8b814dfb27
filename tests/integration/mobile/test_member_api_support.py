"""A support message from the app reaches the SACCO's support inbox; statements say when they are missing."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.conversations.handoffs import handoff_transcript, list_open_handoffs
from core.db.database import Database
from tests.integration.mobile.conftest import bearer, make_saver, sign_in


async def test_a_support_message_opens_one_handoff(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    auth = bearer(await sign_in(client, db, saver))
    r = await client.post("/api/v1/me/support", json={"message": "My contribution is not showing"}, headers=auth)
    assert r.status == 202, await r.text()
    ticket = await r.json()
    assert ticket["status"] == "open" and ticket["reply_channel"] in ("sms", "whatsapp", "telegram")
    r = await client.post("/api/v1/me/support", json={"message": "I paid on Monday"}, headers=auth)
    assert (await r.json())["id"] == ticket["id"]  # the same hand-off continues
    async with db.tenant(saver.org.id) as s:
        inbox = await list_open_handoffs(s, saver.org.id)
        lines = await handoff_transcript(s, saver.org.id, ticket["id"])
    mine = [h for h in inbox if h.handoff_id == ticket["id"]]
    assert mine and mine[0].member_id == saver.member.id and mine[0].member_messages == 2
    assert [line.text for line in lines] == ["My contribution is not showing", "I paid on Monday"]
    r = await client.post("/api/v1/me/support", json={"message": ""}, headers=auth)
    assert r.status == 422


async def test_statement_is_a_clear_problem_until_reports_exist(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    auth = bearer(await sign_in(client, db, saver))
    from mobile.api.routes import support

    r = await client.get("/api/v1/me/statement.pdf", headers=auth)
    if support.member_statement_pdf is None:
        body = await r.json()
        assert r.status == 501 and body["code"] == "statements_unavailable"
        assert r.content_type == "application/problem+json"
    else:
        assert r.status == 200 and r.content_type == "application/pdf"
    r = await client.get("/api/v1/me/statement.pdf?start=2026-05-01&end=2026-01-01", headers=auth)
    assert r.status == 422
