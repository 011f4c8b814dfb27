"""HTTP middleware: request ids, domain errors as clear 4xx, security headers, no silent 500."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from core.errors import DomainError
from core.unique_ids import UniqueIds

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID = web.RequestKey("request_id", str)
request_ids = UniqueIds()  # not secrets.token_hex: no read of the kernel's random source per request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request.headers.get("X-Request-Id", "")[:64] or request_ids.new()
    request[REQUEST_ID] = rid
    response = await handler(request)
    response.headers["X-Request-Id"] = rid
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """DomainError -> its 4xx with a reason; anything unexpected is logged (and sent to Sentry) as a 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except DomainError as exc:
        return web.json_response({"error": exc.code, "detail": exc.message}, status=exc.http_status)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response(
            {"error": "internal_error", "request_id": request.get(REQUEST_ID, "")}, status=500
        )


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _apply_security_headers(request, response)
        raise
    _apply_security_headers(request, response)
    return response


def _apply_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if (response.content_type or "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", CSP)
    if request.secure or request.headers.get("X-Forwarded-Proto") == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
