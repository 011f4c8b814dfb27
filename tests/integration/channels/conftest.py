"""Channel webhook fixtures: the real app (create_app) on the test database, with a scripted handler."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.keys import JOBS
from bot.runtime import Runtime, open_runtime
from channels.base import CHANNEL_CONTEXT
from core.settings import Settings
from dialogs.vocabulary import Choice, Inbound, InboundKind, Reply

TEST_SECRETS = {
    "whatsapp_verify_token": "test-verify-token",
    "whatsapp_app_secret": "test-app-secret",
    "twilio_account_sid": "ACtest",
    "twilio_auth_token": "test-twilio-token",
    "telegram_webhook_secret": "test-telegram-secret",
    "public_base_url": "https://ibimina.example.rw",
}
MENU = (Choice("balance", "Balance"), Choice("loans", "Loans"), Choice("help", "Help"))


class ScriptedHandler:
    """Stands in for bot/router in transport tests: a menu, a balance, a polite refusal; records inbounds."""

    def __init__(self) -> None:
        self.seen: list[Inbound] = []

    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        self.seen.append(inbound)
        if inbound.kind is InboundKind.UNSUPPORTED:
            return [Reply("Sorry, I can only read text.", choices=MENU)]
        if inbound.kind is InboundKind.CONTACT:
            return [Reply(f"Linked {inbound.contact_phone}.", choices=MENU)]
        if inbound.choice_id == "balance" or inbound.text.strip().lower() == "balance":
            return [Reply("Your savings: RWF 12,000.", final=True)]
        return [Reply("Murakaza neza! Choose:", choices=MENU)]


def secret_settings(settings: Settings, **overrides: Any) -> Settings:
    from pydantic import SecretStr

    update: dict[str, Any] = {}
    for key, value in {**TEST_SECRETS, **overrides}.items():
        is_secret = key.endswith(("_token", "_secret")) and key != "twilio_account_sid"
        update[key] = SecretStr(value) if is_secret and isinstance(value, str) else value
    return settings.model_copy(update=update)


AppFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def channel_app(settings: Settings) -> AsyncIterator[AppFactory]:
    """`await channel_app(handler=..., redis=True, **setting_overrides)` -> a started TestClient.

    Every app gets its own Runtime (its own connection pool), like separate processes sharing PG/Redis."""
    async with AsyncExitStack() as stack:

        async def make(*, handler: Any = None, redis: bool = True, **overrides: Any) -> TestClient:
            """handler="router" wires the real conversation router (bot/router.make_handler)."""
            config = secret_settings(settings, **overrides)
            if not redis:
                config = config.model_copy(update={"redis_url": None})
            runtime = await open_runtime(config)
            stack.push_async_callback(runtime.close)
            injected = None if handler == "router" else handler or ScriptedHandler()
            client = TestClient(TestServer(create_app(runtime, inbound_handler=injected)))
            await client.start_server()
            stack.push_async_callback(client.close)
            return client

        yield make


async def settle(client: TestClient) -> None:
    """Wait for the work done after acknowledgements: inbound processing, then delivery jobs."""
    app = client.server.app
    await app[CHANNEL_CONTEXT].drain()
    await app[JOBS].drain()


def runtime_of(client: TestClient) -> Runtime:
    from bot.keys import RUNTIME

    return client.server.app[RUNTIME]
