"""The aiohttp application factory: one app for webhooks, the console and the member API."""

from __future__ import annotations

import gc
import logging
import time
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

log = logging.getLogger(__name__)


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
    app.on_startup.append(_warm_up)
    sms_forwarder.setup(
        app,
        db=runtime.db,
        secret_key=runtime.settings.secret_key.get_secret_value(),
        after_store=lambda org_id, sms_ids: _reconcile_later(app, org_id, sms_ids),
    )
    admin_web.setup(app, admin_web.ConsoleDeps.build(runtime.db, runtime.settings, runtime.redis, app[JOBS].submit))
    mobile.setup(app, mobile.MobileDeps.build(runtime.db, runtime.settings, runtime.redis))
    return app


def _reconcile_later(app: web.Application, organization_id: int, sms_ids: list[int]) -> None:
    """Stored SMS are reconciled after the forwarder has its answer (a job; in-process without a broker)."""
    if "payments.reconcile" in JOB_REGISTRY:
        app[JOBS].submit("payments.reconcile", organization_id=organization_id, sms_ids=sms_ids)


async def _warm_up(app: web.Application) -> None:
    """Before the port opens: the conversation router loads its NLU model in a thread (seconds) and the
    database pools get a first connection, so the first member does not wait for either. Then everything
    built so far is frozen out of the garbage collector's sight: a full collection no longer walks the
    model's objects, which showed up as tens of milliseconds added to unlucky requests."""
    router = app[RUNTIME].extras.get("router")
    warm = getattr(router, "warm", None)
    started = time.perf_counter()
    try:
        if warm is not None:
            await warm()
        await app[RUNTIME].db.ping()
    except Exception:  # noqa: BLE001 - a cold start is slower, not broken: the first request loads it
        log.warning("start-up warm-up failed; the first request will load the NLU model", exc_info=True)
        return
    gc.collect()
    gc.freeze()
    log.info("warmed up in %.1fs", time.perf_counter() - started)


async def _drain_jobs(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[JOBS].drain()
