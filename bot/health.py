"""/healthz (the process answers) and /readyz (its dependencies answer: database, Redis, broker)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.keys import RUNTIME
from core.db.migrate import pending_revisions


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readiness(rt: Any) -> tuple[bool, dict[str, Any]]:
    """Each dependency's state; ready only when all configured ones answer."""
    checks: dict[str, Any] = {}
    try:
        await asyncio.wait_for(rt.db.ping(), 3)
        # Migrations only change with a deploy: check them until they are found complete once.
        pending = (
            []
            if rt.extras.get("migrations_ok")
            else await asyncio.wait_for(pending_revisions(rt.owner_url), 5)
        )
        rt.extras["migrations_ok"] = not pending
        checks["database"] = "ok" if not pending else f"migrations pending: {', '.join(pending)}"
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        checks["database"] = f"error: {type(exc).__name__}: {exc}"[:300]
    if rt.redis is not None:
        try:
            await asyncio.wait_for(rt.redis.ping(), 2)
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}: {exc}"[:300]
    if rt.settings.celery_broker_url:
        checks["broker"] = await asyncio.to_thread(_broker_check, rt.settings.celery_broker_url)
    return all(v == "ok" for v in checks.values()), checks


def _broker_check(url: str) -> str:
    from kombu.connection import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:  # type: ignore[no-untyped-call]  # kombu is untyped
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}: {exc}"[:300]


async def readyz(request: web.Request) -> web.Response:
    ready, checks = await readiness(request.app[RUNTIME])
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
