"""CORS for the native shell only: the Capacitor WebView's origins may call /api/v1 with a bearer token.

The PWA is same-origin and needs none. No cookies are involved (tokens travel in headers), so allowing
these fixed origins cannot be used to ride a session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

NATIVE_ORIGINS = frozenset({"capacitor://localhost", "ionic://localhost", "https://localhost", "http://localhost"})
ALLOW_HEADERS = "Authorization, Content-Type, X-Ibimina-Fresh, X-Request-Id"
ALLOW_METHODS = "GET, POST, PATCH, OPTIONS"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = request.headers.get("Origin", "")
    allowed = origin in NATIVE_ORIGINS
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        if not allowed:
            return web.Response(status=403)
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )
    response = await handler(request)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After, X-Request-Id"
        response.headers.add("Vary", "Origin")
    return response
