"""Console access: the session cookie, `require(permission)` on every route, and the tenant database scope.

Every console handler is decorated: `@require(Permission.X)` (signed in with the second factor, role
allows X) or `@public` (the sign-in pages). Inside a handler, `async with console_db(request) as s:` is a
transaction in the staff member's organization (row-level security), or for a platform admin the
organization picked in the console (else the system scope).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from admin_web.context import SESSION, SESSION_TOKEN, deps
from core.errors import PermissionDenied
from core.identity.context import ClientInfo
from core.identity.permissions import Permission, StaffPrincipal, allowed
from core.identity.staff_sessions import StaffSessionView
from core.identity.trusted_devices import TRUST_TTL
from core.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGIN_PATH = "/console/login"
HOME_PATH = "/console/"


def cookie_name(settings: Settings, base: str) -> str:
    # __Host- cookies are Secure, host-only and Path=/: a sibling subdomain cannot plant or read them.
    return f"__Host-ibimina_{base}" if settings.cookies_secure else f"ibimina_{base}"


def session_cookie(settings: Settings) -> str:
    return cookie_name(settings, "console")


def device_cookie(settings: Settings) -> str:
    return cookie_name(settings, "device")


def set_session_cookie(response: web.StreamResponse, settings: Settings, token: str) -> None:
    """Session cookie: HttpOnly, Secure when served over HTTPS, SameSite=Lax, no Max-Age (server-side timeouts)."""
    response.set_cookie(
        session_cookie(settings),
        token,
        path="/",
        httponly=True,
        secure=settings.cookies_secure,
        samesite="Lax",
    )


def clear_session_cookie(response: web.StreamResponse, settings: Settings) -> None:
    response.del_cookie(session_cookie(settings), path="/", secure=settings.cookies_secure, samesite="Lax")


def set_device_cookie(response: web.StreamResponse, settings: Settings, value: str) -> None:
    response.set_cookie(
        device_cookie(settings),
        value,
        path="/",
        max_age=int(TRUST_TTL.total_seconds()),
        httponly=True,
        secure=settings.cookies_secure,
        samesite="Strict",
    )


def see_other(location: str) -> web.Response:
    """A 303 redirect as a plain response, so cookies can be set on it before it is returned."""
    return web.Response(status=303, headers={"Location": location})


def client_info(request: web.Request) -> ClientInfo:
    rid = request.get("request_id")
    return ClientInfo(
        address=request.remote or "unknown",
        user_agent=request.headers.get("User-Agent", "")[:200],
        request_id=rid if isinstance(rid, str) else None,
    )


def current_session(request: web.Request) -> StaffSessionView:
    """The signed-in staff session (only inside handlers guarded by `require`)."""
    return request[SESSION]


def current_staff(request: web.Request) -> StaffPrincipal:
    """Who is acting, in which organization: pass it to services as principal=..."""
    return request[SESSION].principal


def session_token(request: web.Request) -> str | None:
    return request.get(SESSION_TOKEN)


def require(permission: Permission) -> Callable[[Handler], Handler]:
    """Guard a console handler: signed in with the second factor, and the role grants `permission`.

    Not signed in -> redirect to the sign-in page (GET) or 403 (other methods); role lacks it -> 403.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            view = request.get(SESSION)
            if view is None or not view.mfa_verified:
                if request.method in ("GET", "HEAD"):
                    raise web.HTTPSeeOther(LOGIN_PATH)
                raise PermissionDenied("Sign in first.")
            if not allowed(view.role, permission):
                raise PermissionDenied("Your role does not allow this page or action.")
            return await handler(request)

        guarded.__dict__["required_permission"] = permission
        return guarded

    return decorate


def public(handler: Handler) -> Handler:
    """Mark a handler as reachable without a session (the sign-in pages only)."""
    handler.__dict__["required_permission"] = None
    handler.__dict__["public"] = True
    return handler


@asynccontextmanager
async def console_db(request: web.Request) -> AsyncIterator[AsyncSession]:
    """A transaction scoped to the acting organization; the system scope only for an unscoped platform admin."""
    principal = current_staff(request)
    db = deps(request).db
    scope = db.system() if principal.organization_id is None else db.tenant(principal.organization_id)
    async with scope as session:
        yield session
