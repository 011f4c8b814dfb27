"""Sign-in by one-time code: no account enumeration, wrong codes, token rotation and logout."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.db.database import Database
from tests.integration.mobile.conftest import bearer, fresh_phone, latest_code, make_saver, sign_in

PROBLEM = "application/problem+json"


async def test_a_member_gets_a_code_in_the_outbox_and_signs_in(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    tokens = await sign_in(client, db, saver)
    assert set(tokens) >= {"access_token", "refresh_token", "expires_in"}
    assert 800 <= tokens["expires_in"] <= 900 and tokens["token_type"] == "Bearer"
    r = await client.get("/api/v1/me/balances", headers=bearer(tokens))
    assert r.status == 200, await r.text()


async def test_an_unknown_phone_gets_the_same_answer_and_nothing_is_sent(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    known = await client.post("/api/v1/auth/code", json={"phone": saver.phone})
    stranger_phone = fresh_phone()
    unknown = await client.post("/api/v1/auth/code", json={"phone": stranger_phone})
    assert (known.status, unknown.status) == (202, 202)
    assert await known.json() == await unknown.json()
    async with db.system() as s:
        from core.messaging.outbox import list_outbox

        assert await list_outbox(s, recipient=stranger_phone) == []
    # The send limit (one a minute) applies to both alike.
    again_known = await client.post("/api/v1/auth/code", json={"phone": saver.phone})
    again_unknown = await client.post("/api/v1/auth/code", json={"phone": stranger_phone})
    assert (again_known.status, again_unknown.status) == (429, 429)
    assert again_known.headers["Retry-After"] and again_unknown.headers["Retry-After"]
    assert (await again_known.json())["detail"] == (await again_unknown.json())["detail"]


async def test_wrong_codes_are_refused_then_the_code_dies(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    await client.post("/api/v1/auth/code", json={"phone": saver.phone})
    code = await latest_code(db, saver.org.id, saver.phone)
    wrong = "000000" if code != "000000" else "111111"
    statuses = []
    for _ in range(5):
        r = await client.post("/api/v1/auth/verify", json={"phone": saver.phone, "code": wrong})
        assert r.content_type == PROBLEM
        statuses.append(r.status)
    assert statuses == [400, 400, 400, 400, 429]
    r = await client.post("/api/v1/auth/verify", json={"phone": saver.phone, "code": code})
    body = await r.json()
    assert r.status == 400 and body["code"] == "code_expired"


async def test_a_strangers_phone_answers_verify_like_a_members(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    stranger = fresh_phone()
    for phone in (saver.phone, stranger):
        await client.post("/api/v1/auth/code", json={"phone": phone})
    seen: dict[str, list[tuple[int, str]]] = {}
    for phone in (saver.phone, stranger):
        for _ in range(6):
            r = await client.post("/api/v1/auth/verify", json={"phone": phone, "code": "999999"})
            seen.setdefault(phone, []).append((r.status, (await r.json())["code"]))
    code = await latest_code(db, saver.org.id, saver.phone)
    if code == "999999":  # one in a million: the member's own code was the guess
        return
    assert seen[saver.phone] == seen[stranger]
    assert [c for _, c in seen[stranger]] == ["wrong_code"] * 4 + ["too_many_attempts", "code_expired"]


async def test_a_code_works_once(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    await sign_in(client, db, saver)
    code = await latest_code(db, saver.org.id, saver.phone)
    r = await client.post("/api/v1/auth/verify", json={"phone": saver.phone, "code": code})
    assert r.status == 400 and (await r.json())["code"] == "code_expired"


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_login(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    first = await sign_in(client, db, saver)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status == 200
    second = await r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/me", headers=bearer(second))).status == 200
    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status == 401 and (await replay.json())["code"] == "refresh_token_reused"
    assert (await client.get("/api/v1/me", headers=bearer(second))).status == 401
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status == 401


async def test_logout_ends_the_session_at_once(client: TestClient, db: Database) -> None:
    saver = await make_saver(db)
    tokens = await sign_in(client, db, saver)
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status == 204
    r = await client.get("/api/v1/me", headers=bearer(tokens))
    assert r.status == 401 and r.content_type == PROBLEM
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})).status == 401
    # Idempotent, and an unknown token is no error.
    assert (await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})).status == 204
    assert (await client.post("/api/v1/auth/logout", json={"refresh_token": "rt1.1.nonsense"})).status == 204


async def test_a_phone_in_two_saccos_signs_in_to_the_one_it_names(client: TestClient, db: Database) -> None:
    first = await make_saver(db)
    second = await make_saver(db)
    from tests.support.factories import make_member

    other = await make_member(db, second.org, second.group, phone=first.phone)
    r = await client.post("/api/v1/auth/code", json={"phone": first.phone, "organization": second.org.slug})
    assert r.status == 202
    code = await latest_code(db, second.org.id, first.phone)
    r = await client.post(
        "/api/v1/auth/verify", json={"phone": first.phone, "code": code, "organization": second.org.slug}
    )
    assert r.status == 200
    me = await (await client.get("/api/v1/me", headers=bearer(await r.json()))).json()
    assert (me["id"], me["organization"]["slug"]) == (other.id, second.org.slug)


async def test_bad_input_is_a_problem_document(client: TestClient) -> None:
    cases = [
        ({"phone": "+250788000000", "code": "12"}, 422),
        ({"phone": "+250788000000"}, 422),
        ({"phone": "+250788000000", "code": "123456", "extra": 1}, 422),
        ({"phone": "not a phone at all", "code": "123456"}, 422),
    ]
    for payload, status in cases:
        r = await client.post("/api/v1/auth/verify", json=payload)
        body = await r.json()
        assert r.status == status, (payload, body)
        assert r.content_type == PROBLEM
        assert {"type", "title", "status", "detail", "instance"} <= set(body)
        assert body["status"] == status and body["instance"] == "/api/v1/auth/verify"
    r = await client.post("/api/v1/auth/code", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status == 400 and (await r.json())["code"] == "malformed_json"
    r = await client.post("/api/v1/auth/code", json={"phone": 123})
    errors = (await r.json())["errors"]
    assert r.status == 422 and errors[0]["loc"] == ["body", "phone"]
