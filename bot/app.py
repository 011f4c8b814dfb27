"""The aiohttp application factory: one app for webhooks, the console and the member API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

import admin_web
import mobile
from bot import health, messaging
from bot.jobs import JOBS as JOB_REGISTRY
from bot.jobs import JobDispatcher
from bot.keys import JOBS, RUNTIME
from bot.middleware import error_middleware, request_id_middleware, security_headers_middleware
from bot.runtime import Runtime
from channels import sms_forwarder
from dialogs.vocabulary import InboundHandler


def create_app(
    runtime: Runtime, *, celery: Any | None = None, inbound_handler: InboundHandler | None = None
) -> web.Application:
    """Build the app around an opened Runtime; the caller owns the runtime's lifetime.

    `inbound_handler` replaces the conversation router behind the channel webhooks (tests)."""
    app = web.Application(
        middlewares=[request_id_middleware, security_headers_middleware, error_middleware],
        client_max_size=2 * 1024 * 1024,
    )
    app[RUNTIME] = runtime
    app[JOBS] = JobDispatcher(runtime, celery)
    app.cleanup_ctx.append(_drain_jobs)
    health.setup(app)
    messaging.setup(app, runtime, handler=inbound_handler)
    sms_forwarder.setup(
        app,
        db=runtime.db,
        secret_key=runtime.settings.secret_key.get_secret_value(),
        after_store=lambda org_id, sms_ids: _reconcile_later(app, org_id, sms_ids),
    )
    admin_web.setup(app, admin_web.ConsoleDeps.build(runtime.db, runtime.settings, runtime.redis))
    mobile.setup(app, mobile.MobileDeps.build(runtime.db, runtime.settings, runtime.redis))
    return app


def _reconcile_later(app: web.Application, organization_id: int, sms_ids: list[int]) -> None:
    """Stored SMS are reconciled after the forwarder has its answer (a job; in-process without a broker)."""
    if "payments.reconcile" in JOB_REGISTRY:
        app[JOBS].submit("payments.reconcile", organization_id=organization_id, sms_ids=sms_ids)


async def _drain_jobs(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[JOBS].drain()
