"""Tenant walls: a member only ever sees their own data, whatever id they guess or token they forge."""

from __future__ import annotations

import jwt
from aiohttp.test_utils import TestClient

from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.settings import Settings
from tests.integration.mobile.conftest import bearer, make_saver, sign_in


async def _loan(client: TestClient, auth: dict[str, str]) -> int:
    r = await client.post("/api/v1/me/loans", json={"amount": 5000, "months": 3, "purpose": "seeds for the farm"},
                          headers=auth)
    assert r.status == 201, await r.text()
    return int((await r.json())["id"])


async def test_every_member_route_needs_a_token(client: TestClient) -> None:
    from mobile.api import operations

    for op in operations():
        if not op.auth:
            continue
        path = op.path.replace("{loan_id}", "1").replace("{group_id}", "1").replace("{request_id}", "1")
        r = await client.request(op.method, "/api/v1" + path, json={})
        assert r.status == 401, (op.method, path, r.status)
        assert r.content_type == "application/problem+json"
        r = await client.request(op.method, "/api/v1" + path, json={}, headers={"Authorization": "Bearer nonsense"})
        assert r.status == 401, (op.method, path)


async def test_a_member_cannot_read_a_neighbours_or_another_saccos_data(client: TestClient, db: Database) -> None:
    alice = await make_saver(db, savings=10_000)
    bob = await make_saver(db, savings=10_000, org=alice.org, group=alice.group)  # same SACCO, same group
    carol = await make_saver(db, savings=10_000)  # another SACCO
    a, b, c = [bearer(await sign_in(client, db, s)) for s in (alice, bob, carol)]
    bobs_loan, carols_loan = await _loan(client, b), await _loan(client, c)
    alices_loan = await _loan(client, a)
    for loan in (bobs_loan, carols_loan):
        r = await client.get(f"/api/v1/me/loans/{loan}", headers=a)
        assert r.status == 404, loan
    assert (await client.get(f"/api/v1/me/loans/{alices_loan}", headers=a)).status == 200
    assert [x["id"] for x in (await (await client.get("/api/v1/me/loans", headers=a)).json())["items"]] == [alices_loan]
    assert (await client.get(f"/api/v1/me/groups/{carol.group.id}", headers=a)).status == 404
    codes = (await (await client.get("/api/v1/me/payment-codes", headers=a)).json())["items"]
    bobs_codes = (await (await client.get("/api/v1/me/payment-codes", headers=b)).json())["items"]
    assert {x["code"] for x in codes}.isdisjoint({x["code"] for x in bobs_codes})
    assert (await (await client.get("/api/v1/me", headers=a)).json())["id"] == alice.member.id
    # Alice applying with a group she is not in is refused.
    r = await client.post("/api/v1/me/loans", headers=a,
                          json={"amount": 5000, "months": 3, "purpose": "more seeds", "group_id": carol.group.id})
    assert r.status == 422


async def test_a_forged_token_for_another_member_or_sacco_is_refused(
    client: TestClient, db: Database, settings: Settings
) -> None:
    alice = await make_saver(db)
    carol = await make_saver(db)
    tokens = await sign_in(client, db, alice)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    for change in ({"sub": str(carol.member.id)}, {"org": carol.org.id}):
        forged = jwt.encode({**claims, **change}, "not-our-key-but-long-enough-for-hs256!", algorithm="HS256")
        assert (await client.get("/api/v1/me", headers=bearer({"access_token": forged}))).status == 401
    # Even correctly signed, a token's session must exist for that member in that SACCO.
    keys = IdentityKeys.from_settings(settings)
    signed = jwt.encode({**claims, "org": carol.org.id}, keys.access_token, algorithm="HS256")
    assert (await client.get("/api/v1/me/balances", headers=bearer({"access_token": signed}))).status == 401
    none_alg = jwt.encode({**claims}, None, algorithm="none")
    assert (await client.get("/api/v1/me", headers=bearer({"access_token": none_alg}))).status == 401
