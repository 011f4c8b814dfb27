"""The OpenAPI document is generated from the routes: every /api/v1 route is in it and nothing else is."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.test_utils import TestClient

from mobile.api import API_APP

PROBLEM_STATUSES = {"400", "401", "404", "409", "422", "429", "501"}


def _template(path: str) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)


async def test_the_document_is_openapi_3_1_with_the_member_routes(client: TestClient) -> None:
    r = await client.get("/api/v1/openapi.json")
    assert r.status == 200 and r.content_type == "application/json"
    doc = await r.json()
    assert doc["openapi"] == "3.1.0" and len(doc["paths"]) >= 10
    for path in ("/api/v1/auth/code", "/api/v1/auth/verify", "/api/v1/auth/refresh", "/api/v1/auth/logout",
                 "/api/v1/me", "/api/v1/me/balances", "/api/v1/me/transactions", "/api/v1/me/payment-codes",
                 "/api/v1/me/loans", "/api/v1/me/loans/{loan_id}", "/api/v1/me/guarantor-requests",
                 "/api/v1/me/statement.pdf", "/api/v1/me/support"):
        assert path in doc["paths"], path


async def test_every_api_route_in_the_router_is_documented_and_back(client: TestClient) -> None:
    app = client.server.app  # type: ignore[attr-defined]
    doc = await (await client.get("/api/v1/openapi.json")).json()
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    routed: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        canonical = resource.canonical
        if canonical.startswith("/api") and not isinstance(resource, web.PrefixedSubAppResource):
            routed |= {(route.method, _template(canonical)) for route in resource}
    api: web.Application = app[API_APP]
    for route in api.router.routes():
        if route.method != "HEAD":
            routed.add((route.method, _template(route.resource.canonical)))  # type: ignore[union-attr]
    assert routed == documented


async def test_each_operation_says_how_it_fails_and_every_ref_resolves(client: TestClient) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    text = str(doc)
    for ref in re.findall(r"#/components/schemas/([\w-]+)", text):
        assert ref in schemas, ref
    ids = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            ids.add(op["operationId"])
            assert op["summary"] and op["responses"], (method, path)
            errors = set(op["responses"]) & PROBLEM_STATUSES
            for status in errors:
                assert "application/problem+json" in op["responses"][status]["content"]
            if op["security"]:
                assert "401" in op["responses"], (method, path)
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    assert "{" + param["name"] + "}" in path
    assert len(ids) == sum(len(item) for item in doc["paths"].values())  # operationIds are unique
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


async def test_unknown_api_paths_and_methods_are_problems(client: TestClient) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status == 404 and r.content_type == "application/problem+json"
    body = await r.json()
    assert body["status"] == 404 and body["instance"] == "/api/v1/nothing-here"
    r = await client.delete("/api/v1/me")
    assert r.status == 405 and r.content_type == "application/problem+json" and "Allow" in r.headers


async def test_native_shell_origins_may_call_the_api_and_others_may_not(client: TestClient) -> None:
    pre = {"Origin": "https://localhost", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "content-type"}
    r = await client.options("/api/v1/auth/code", headers=pre)
    assert r.status == 204 and r.headers["Access-Control-Allow-Origin"] == "https://localhost"
    r = await client.options("/api/v1/auth/code", headers={**pre, "Origin": "https://evil.example"})
    assert r.status == 403 and "Access-Control-Allow-Origin" not in r.headers
    r = await client.get("/api/v1/openapi.json", headers={"Origin": "capacitor://localhost"})
    assert r.headers["Access-Control-Allow-Origin"] in ("capacitor://localhost", "*")
