"""Rendering console pages: Jinja2 with autoescape, the layout's shared context, the language, no caching."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from admin_web.context import JINJA, SESSION
from admin_web.i18n import COOKIE, LANGUAGES, money, request_language, translator, when
from admin_web.nav import nav_for


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    """Render a template that extends base.html; the layout gets the session, its CSRF token, nav and `t`."""
    view = request.get(SESSION)
    env = request.config_dict[JINJA]
    language = request_language(request)
    page = {
        "session": view,
        "csrf_token": view.csrf_token if view is not None else "",
        "nav": nav_for(view),
        "current_path": request.path,
        "languages": LANGUAGES,
        "language": language,
        "t": translator(language),
        "money": money,
        "when": when,
        "query": request.query,
        **(context or {}),
    }
    html = env.get_template(template).render(page)
    response = web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
    if request.query.get("lang") == language and request.cookies.get(COOKIE) != language:
        response.set_cookie(
            COOKIE, language, path="/console", max_age=365 * 86400, samesite="Lax", httponly=True
        )
    return response
