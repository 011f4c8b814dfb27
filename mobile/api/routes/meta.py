"""GET /openapi.json: this API's description, generated from the registry at start-up."""

from __future__ import annotations

from aiohttp import web

from mobile.api.registry import Call, Routes
from mobile.api.schemas.common import OpenApiDocument

ROUTES = Routes("meta")
OPENAPI_JSON = web.AppKey("member_api_openapi_json", bytes)


@ROUTES.operation("GET", "/openapi.json", summary="This API's OpenAPI 3.1 document", response=OpenApiDocument, auth=False)
async def get_openapi(call: Call) -> web.StreamResponse:
    return web.Response(
        body=call.request.app[OPENAPI_JSON],
        content_type="application/json",
        headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"},
    )
