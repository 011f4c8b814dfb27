"""Rendering console pages: Jinja2 with autoescape, the layout's shared context, no caching of pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from admin_web.context import JINJA, SESSION
from admin_web.nav import nav_for

LANGUAGES = (("rw", "Kinyarwanda"), ("en", "English"), ("fr", "Français"))


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    """Render a template that extends base.html; the layout gets the session, its CSRF token and the nav."""
    view = request.get(SESSION)
    env = request.config_dict[JINJA]
    page = {
        "session": view,
        "csrf_token": view.csrf_token if view is not None else "",
        "nav": nav_for(view),
        "current_path": request.path,
        "languages": LANGUAGES,
        "language": request.query.get("lang", "en"),
        **(context or {}),
    }
    html = env.get_template(template).render(page)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
