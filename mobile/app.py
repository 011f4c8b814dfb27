"""Mount the member app on the service: the /api/v1 member API and the PWA shell under /app/."""

from __future__ import annotations

from aiohttp import web

from mobile.api import setup_api
from mobile.deps import MOBILE, MobileDeps
from mobile.shell import setup_shell


def setup(app: web.Application, deps: MobileDeps) -> None:
    app[MOBILE] = deps
    setup_api(app, deps)
    setup_shell(app)
