"""CSRF: every state-changing console request carries `csrf_token` (form field or X-CSRF-Token header).

Signed-in (and pending second-factor) sessions use the synchronizer token kept in their session row.
The sign-in form, which has no session yet, uses a random cookie plus its HMAC in the form.
Missing or wrong -> 403.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from admin_web.auth import Handler, cookie_name
from admin_web.context import SESSION, deps
from core.crypto.keys import keyed_hash
from core.errors import PermissionDenied

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANONYMOUS_FORMS = frozenset({"/console/login"})
FIELD = "csrf_token"


def login_form_token(request: web.Request, response_cookies: dict[str, str]) -> str:
    """The token for the sign-in form; sets (via response_cookies) the random cookie it is bound to."""
    settings = deps(request).settings
    name = cookie_name(settings, "login")
    nonce = request.cookies.get(name) or ""
    if len(nonce) < 16:
        nonce = secrets.token_urlsafe(24)
        response_cookies[name] = nonce
    return keyed_hash(deps(request).keys.csrf, "login:" + nonce)


def set_login_cookie(response: web.StreamResponse, request: web.Request, cookies: dict[str, str]) -> None:
    settings = deps(request).settings
    for name, value in cookies.items():
        response.set_cookie(
            name,
            value,
            path="/",
            max_age=3600,
            httponly=True,
            secure=settings.cookies_secure,
            samesite="Strict",
        )


async def _submitted_token(request: web.Request) -> str:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in UNSAFE_METHODS:
        return await handler(request)
    given = await _submitted_token(request)
    view = request.get(SESSION)
    if request.path in ANONYMOUS_FORMS:
        nonce = request.cookies.get(cookie_name(deps(request).settings, "login"), "")
        expected = keyed_hash(deps(request).keys.csrf, "login:" + nonce) if nonce else ""
    else:
        expected = view.csrf_token if view is not None else ""
    if not given or not expected or not hmac.compare_digest(given, expected):
        raise PermissionDenied(
            "This form has expired or did not come from this site. Reload the page and try again."
        )
    return await handler(request)
