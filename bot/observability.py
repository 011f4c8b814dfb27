"""Sentry (errors) when SENTRY_DSN is set; every 5xx is logged with its request id either way."""

from __future__ import annotations

from core.settings import Settings


def init_sentry(settings: Settings) -> bool:
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.aiohttp import AioHttpIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=str(settings.env),
        integrations=[AioHttpIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
    return True
