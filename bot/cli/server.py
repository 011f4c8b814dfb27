"""`ibimina serve`: the aiohttp service (webhooks, console, member API)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click
from aiohttp import web

from bot.app import create_app
from bot.cli.common import setup_logging
from bot.cli.database import print_demo_summary
from bot.event_loop import run_event_loop
from bot.observability import init_sentry
from bot.runtime import open_runtime
from core.crypto.pii import PiiCipher
from core.demo.seed import seed_demo
from core.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", "load_demo", is_flag=True, help="Load the demo SACCOs before serving.")
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help="Apply migrations first (default: yes on the embedded database, no on DATABASE_URL).",
)
@click.pass_obj
def serve(settings: Settings, host: str, port: int, load_demo: bool, migrate: bool | None) -> None:
    """Run the HTTP service."""
    if settings.is_production and (problems := settings.production_problems()):
        raise click.ClickException("refusing to start in production:\n  - " + "\n  - ".join(problems))
    setup_logging()
    init_sentry(settings)
    run_event_loop(
        _serve(settings, host, port, load_demo, settings.database_url is None if migrate is None else migrate)
    )


async def _serve(settings: Settings, host: str, port: int, load_demo: bool, migrate: bool) -> None:
    runtime = await open_runtime(settings, migrate=migrate)
    celery = None
    if settings.celery_broker_url:
        from bot.celery_app import configure

        celery = configure(settings)
    try:
        if load_demo:
            print_demo_summary(await seed_demo(runtime.db, PiiCipher.from_settings(settings)))
        runner = web.AppRunner(create_app(runtime, celery=celery), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        where = "embedded PostgreSQL" if runtime.embedded else "DATABASE_URL"
        click.echo(f"Ibimina listening on http://{host}:{port} (database: {where})", err=False)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()
    finally:
        await runtime.close()
