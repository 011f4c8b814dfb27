"""The JSON edge of the passkey ceremonies (static/passkeys.js): the credential the browser made, options out,
and errors as `{"error": ...}` the script shows (these calls are fetches, not page loads)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


async def credential_body(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the request's JSON object, its `credential` object); a malformed body is a 400 with a reason."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='{"error": "The body is not JSON."}', content_type="application/json") from None
    credential = body.get("credential") if isinstance(body, dict) else None
    if not isinstance(credential, dict):
        raise web.HTTPBadRequest(text='{"error": "No credential was sent."}', content_type="application/json")
    return body, credential


def options_response(options_json: str) -> web.Response:
    return web.Response(text=options_json, content_type="application/json")


def error_response(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)
