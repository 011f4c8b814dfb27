"""A real Celery worker process whose SMS provider fails the first sends (retries over the real broker).

Run as `python -m tests.support.flaky_worker FAILURES` with DATABASE_URL, CELERY_BROKER_URL, REDIS_URL and
CELERY_QUEUE set; everything but the provider client is the production code path.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from bot import delivery_jobs
from bot.celery_app import configure
from channels.base import ProviderClient, ProviderError, SendOptions
from core.settings import Settings, load_settings
from dialogs.vocabulary import Channel, Reply


@dataclass
class FlakySms:
    failures: int
    name: str = "twilio"
    channel: Channel = Channel.SMS
    calls: int = 0

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]:
        self.calls += 1
        if self.calls <= self.failures:
            raise ProviderError("503 Service Unavailable", retryable=True, retry_after=0.3, code="503")
        return [f"SMflaky{self.calls}"]

    async def close(self) -> None:
        return None


def main() -> None:
    provider = FlakySms(int(sys.argv[1]))

    def clients(settings: Settings) -> dict[Channel, ProviderClient]:
        return {Channel.SMS: provider}

    delivery_jobs.build_clients = clients  # type: ignore[assignment]
    settings = load_settings()
    app = configure(settings)
    app.worker_main(
        ["worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO", "-Q", settings.celery_queue]
    )


if __name__ == "__main__":
    main()
