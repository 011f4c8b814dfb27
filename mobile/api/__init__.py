"""The versioned member API under /api/v1: an aiohttp sub-application built from the route registry."""

from __future__ import annotations

import json

from aiohttp import web

from mobile.api.cors import cors_middleware
from mobile.api.openapi import PREFIX, build_openapi
from mobile.api.problems import problem_middleware
from mobile.api.registry import Operation, mount
from mobile.api.routes import auth, loans, meta, money, profile, support
from mobile.deps import MOBILE, MobileDeps

# Explicit, in matching order: within a module literal paths come before parameterised ones.
MODULES = (meta, auth, profile, money, loans, support)
API_APP = web.AppKey("member_api", web.Application)


def operations() -> list[Operation]:
    return [op for module in MODULES for op in module.ROUTES]


def openapi_document() -> dict[str, object]:
    return build_openapi(operations())


def build_api(deps: MobileDeps) -> web.Application:
    """The /api/v1 sub-application: CORS for the native shell, problem details for every error."""
    api = web.Application(middlewares=[cors_middleware, problem_middleware])
    api[MOBILE] = deps
    ops = operations()
    api[meta.OPENAPI_JSON] = json.dumps(build_openapi(ops), ensure_ascii=False).encode()
    mount(api, ops)
    return api


def setup_api(app: web.Application, deps: MobileDeps) -> web.Application:
    api = build_api(deps)
    app[API_APP] = api
    app.add_subapp(PREFIX, api)
    return api
