"""Loans from the app: eligibility, applying, my applications; the guarantor requests addressed to me."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.db.database import Database
from tests.integration.mobile.conftest import bearer, make_saver, sign_in


async def test_eligibility_apply_and_read_back(client: TestClient, db: Database) -> None:
    saver = await make_saver(db, savings=10_000)
    auth = bearer(await sign_in(client, db, saver))
    rules = await (await client.get("/api/v1/me/loans/eligibility", headers=auth)).json()
    assert rules["eligible"] and rules["max_amount"] == 30_000 and rules["savings"] == 10_000
    r = await client.post("/api/v1/me/loans", headers=auth,
                          json={"amount": 20_000, "months": 6, "purpose": "a sewing machine", "group_id": saver.group.id})
    assert r.status == 201, await r.text()
    loan = await r.json()
    assert loan["status"] == "submitted" and loan["reference"].startswith("LN-")
    assert loan["group_name"] == saver.group.name and loan["schedule"] == [] and loan["outstanding"] is None
    listed = (await (await client.get("/api/v1/me/loans", headers=auth)).json())["items"]
    assert [x["id"] for x in listed] == [loan["id"]]
    detail = await (await client.get(f"/api/v1/me/loans/{loan['id']}", headers=auth)).json()
    assert detail == loan
    rules = await (await client.get("/api/v1/me/loans/eligibility", headers=auth)).json()
    assert not rules["eligible"] and rules["pending_reference"] == loan["reference"] and rules["reason"]
    r = await client.post("/api/v1/me/loans", headers=auth, json={"amount": 2_000, "months": 2, "purpose": "more"})
    assert r.status == 422 and (await r.json())["code"] == "not_eligible"


async def test_applications_outside_the_rules_are_problems(client: TestClient, db: Database) -> None:
    saver = await make_saver(db, savings=1_000)
    auth = bearer(await sign_in(client, db, saver))
    for body, code in (
        ({"amount": 50_000, "months": 6, "purpose": "a cow"}, "amount_out_of_range"),
        ({"amount": 2_000, "months": 60, "purpose": "a cow"}, "term_out_of_range"),
        ({"amount": 2_000, "months": 6, "purpose": "12"}, "invalid_input"),
        ({"amount": -5, "months": 6, "purpose": "a cow"}, "validation_error"),
    ):
        r = await client.post("/api/v1/me/loans", json=body, headers=auth)
        assert r.status == 422 and (await r.json())["code"] == code, body
    assert (await client.get("/api/v1/me/loans/abc", headers=auth)).status == 422
    assert (await client.get("/api/v1/me/loans/999999999", headers=auth)).status == 404


async def test_guarantor_requests_list_only_the_members_own_and_refuse_others(
    client: TestClient, db: Database
) -> None:
    saver = await make_saver(db)
    auth = bearer(await sign_in(client, db, saver))
    r = await client.get("/api/v1/me/guarantor-requests", headers=auth)
    assert r.status == 200 and (await r.json())["items"] == []  # nobody asked this member
    r = await client.post("/api/v1/me/guarantor-requests/1", json={"decision": "accept"}, headers=auth)
    assert r.status == 404  # not a request addressed to this member
    r = await client.post("/api/v1/me/guarantor-requests/1", json={"decision": "maybe"}, headers=auth)
    assert r.status == 422
