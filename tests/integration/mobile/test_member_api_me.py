"""My profile, language, groups, balances, transactions (keyset pages) and payment codes."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.db.database import Database
from core.members.models import Member
from tests.integration.mobile.conftest import bearer, contribute, make_saver, sign_in
from tests.support.factories import make_group


async def test_profile_and_language(client: TestClient, db: Database) -> None:
    saver = await make_saver(db, language="rw")
    auth = bearer(await sign_in(client, db, saver))
    me = await (await client.get("/api/v1/me", headers=auth)).json()
    assert me["id"] == saver.member.id and me["phone"] == saver.phone and me["language"] == "rw"
    assert me["organization"] == {
        "id": saver.org.id, "slug": saver.org.slug, "name": saver.org.name, "currency": "RWF",
    }
    r = await client.patch("/api/v1/me", json={"language": "fr"}, headers=auth)
    assert r.status == 200 and (await r.json())["language"] == "fr"
    async with db.tenant(saver.org.id) as s:
        assert (await s.execute(select(Member.language).where(Member.id == saver.member.id))).scalar_one() == "fr"
    r = await client.patch("/api/v1/me", json={"language": "de"}, headers=auth)
    assert r.status == 422 and r.content_type == "application/problem+json"
    r = await client.patch("/api/v1/me", json={"phone": "+250788999999"}, headers=auth)
    assert r.status == 422  # the phone is not the member's to change here


async def test_groups_and_one_group(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    auth = bearer(await sign_in(client, db, saver))
    groups = (await (await client.get("/api/v1/me/groups", headers=auth)).json())["items"]
    assert [g["id"] for g in groups] == [saver.group.id]
    assert groups[0]["contribution_amount"] == 2000 and groups[0]["role"] == "member"
    r = await client.get(f"/api/v1/me/groups/{saver.group.id}", headers=auth)
    assert r.status == 200 and (await r.json())["code"] == saver.group.code
    not_mine = await make_group(db, saver.org)
    r = await client.get(f"/api/v1/me/groups/{not_mine.id}", headers=auth)
    assert r.status == 404 and (await r.json())["code"] == "not_found"


async def test_balances_follow_the_ledger(client: TestClient, db: Database) -> None:
    saver = await make_saver(db, savings=5000)
    await contribute(db, saver.org, saver.group, saver.member, 2500)
    auth = bearer(await sign_in(client, db, saver))
    b = await (await client.get("/api/v1/me/balances", headers=auth)).json()
    assert b["currency"] == "RWF" and b["total_savings"] == 7500 and b["total_available"] == 7500
    assert [(g["group_id"], g["savings"]) for g in b["groups"]] == [(saver.group.id, 7500)]


async def test_transactions_page_by_keyset_cursor(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    for amount in range(1000, 8000, 1000):  # seven contributions
        await contribute(db, saver.org, saver.group, saver.member, amount)
    auth = bearer(await sign_in(client, db, saver))
    seen: list[dict[str, object]] = []
    cursor = None
    pages = 0
    while True:
        url = "/api/v1/me/transactions?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = await (await client.get(url, headers=auth)).json()
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [t["amount"] for t in seen] == list(range(7000, 0, -1000))  # newest first, none twice
    assert {t["direction"] for t in seen} == {"in"} and {t["kind"] for t in seen} == {"contribution"}
    assert seen[0]["group_name"] == saver.group.name
    r = await client.get("/api/v1/me/transactions?cursor=bm90LWEtY3Vyc29y", headers=auth)
    assert r.status == 422 and r.content_type == "application/problem+json"
    r = await client.get("/api/v1/me/transactions?limit=0", headers=auth)
    assert r.status == 422 and (await r.json())["errors"][0]["loc"] == ["query", "limit"]


async def test_payment_codes_carry_the_dial_string_and_tel_link(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    auth = bearer(await sign_in(client, db, saver))
    codes = (await (await client.get("/api/v1/me/payment-codes", headers=auth)).json())["items"]
    assert len(codes) == 1
    code = codes[0]
    assert code["group_id"] == saver.group.id and code["expected_amount"] == 2000
    assert code["dial_string"].startswith("*182*") and "123456" in code["dial_string"]  # the merchant code
    assert code["tel_link"].startswith("tel:") and "%23" in code["tel_link"]
