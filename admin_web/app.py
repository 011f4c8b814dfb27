"""The console sub-application mounted at /console: middlewares, templates, static files, view registry."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

from admin_web.auth import LOGIN_PATH, Handler, clear_session_cookie, session_cookie
from admin_web.context import CONSOLE, JINJA, SESSION, SESSION_TOKEN, ConsoleDeps, deps
from admin_web.csrf import csrf_middleware
from admin_web.render import render
from admin_web.views import (
    audit,
    dashboard,
    exceptions,
    exports,
    group_admin,
    join_requests,
    loans,
    member_import,
    members,
    messages,
    operations,
    reports,
    scope,
    security,
    signin,
    staff,
    support,
)
from core.errors import DomainError, NotFound, PermissionDenied
from core.identity.errors import InvalidToken
from core.identity.staff_sessions import load_session

PREFIX = "/console"
STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"

# Explicit registry of console pages, in the order they were added. Add your view module's routes here.
VIEW_ROUTES: tuple[web.RouteTableDef, ...] = (
    signin.routes,
    dashboard.routes,
    security.routes,
    staff.routes,
    scope.routes,
    member_import.routes,
    group_admin.routes,
    exceptions.routes,
    members.routes,
    support.routes,
    reports.routes,
    exports.routes,
    loans.routes,
    audit.routes,
    join_requests.routes,
    messages.routes,
    operations.routes,
)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors as HTML pages: another organization's object is a 404 like any missing one."""
    try:
        return await handler(request)
    except InvalidToken:
        raise web.HTTPSeeOther(LOGIN_PATH) from None
    except NotFound as exc:
        return render(request, "error.html", {"title": "Not found", "message": exc.message}, status=404)
    except PermissionDenied as exc:
        return render(request, "error.html", {"title": "Not allowed", "message": exc.message}, status=403)
    except DomainError as exc:
        return render(
            request, "error.html", {"title": "Cannot do that", "message": exc.message}, status=exc.http_status
        )
    except web.HTTPNotFound:
        return render(
            request, "error.html", {"title": "Not found", "message": "There is no such page."}, status=404
        )


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the session named by the cookie (if live); pages are never cached (they show personal data)."""
    if request.path.startswith(PREFIX + "/static/"):
        return await handler(request)
    ctx = deps(request)
    token = request.cookies.get(session_cookie(ctx.settings))
    view = await load_session(ctx.db, ctx.keys, token) if token else None
    if view is not None and token is not None:
        request[SESSION] = view
        request[SESSION_TOKEN] = token
    response = await handler(request)
    response.headers["Cache-Control"] = "no-store"
    if token and view is None and not response.cookies.get(session_cookie(ctx.settings)):
        clear_session_cookie(response, ctx.settings)  # an ended session: forget the stale cookie
    return response


async def _to_home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(PREFIX + "/")


def setup(app: web.Application, console_deps: ConsoleDeps) -> web.Application:
    """Mount the console on `app` at /console and return the sub-application."""
    console = web.Application(middlewares=[errors_middleware, session_middleware, csrf_middleware])
    console[CONSOLE] = console_deps
    console[JINJA] = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    console.router.add_static("/static/", STATIC_DIR, name="static", append_version=False)
    for routes in VIEW_ROUTES:
        console.add_routes(routes)
    app.add_subapp(PREFIX, console)
    app.router.add_get(PREFIX, _to_home)
    return console
