"""`ibimina worker` and `ibimina beat`: Celery on CELERY_BROKER_URL."""

from __future__ import annotations

import click

from core.settings import Settings


def _require_broker(settings: Settings) -> None:
    if not settings.celery_broker_url:
        raise click.ClickException(
            "CELERY_BROKER_URL is not set. Without a broker, jobs run in-process inside `ibimina serve`."
        )


@click.command()
@click.option("--concurrency", "-c", default=2, show_default=True, type=int)
@click.option("--loglevel", default="INFO", show_default=True)
@click.option(
    "--pool", default="prefork", show_default=True, type=click.Choice(["prefork", "solo", "threads"])
)
@click.pass_obj
def worker(settings: Settings, concurrency: int, loglevel: str, pool: str) -> None:
    """Run a Celery worker (outbound messages, reconciliation, reports)."""
    _require_broker(settings)
    from bot.celery_app import configure

    app = configure(settings)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--pool={pool}",
            "-Q",
            settings.celery_queue,
        ]
    )


@click.command()
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_obj
def beat(settings: Settings, loglevel: str) -> None:
    """Run the Celery beat scheduler (reminders, arrears, heartbeats)."""
    _require_broker(settings)
    from bot.celery_app import configure

    app = configure(settings)
    schedule = settings.data_dir / "celerybeat-schedule"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule}"])
