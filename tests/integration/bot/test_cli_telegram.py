"""`ibimina telegram`: the exact Bot API requests set-webhook, webhook-info and delete-webhook make, against a
local server playing api.telegram.org (paths /bot<token>/<method>, answers in the Bot API's own shapes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from click.testing import CliRunner, Result

from bot.cli.telegram import telegram
from channels.telegram import webhook_path
from core.settings import Settings, load_settings

TOKEN = "123456789:AAH-test_token"
SECRET = "s3cret-Token_for-tests"
ME = {"id": 123456789, "is_bot": True, "first_name": "Ibimina", "username": "ibimina_test_bot",
      "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}  # fmt: skip
WEBHOOK_INFO = {
    "url": "https://ibimina.example.rw/channels/telegram/abc",
    "has_custom_certificate": False,
    "pending_update_count": 3,
    "ip_address": "203.0.113.7",
    "last_error_date": 1767225600,
    "last_error_message": "Wrong response from the webhook: 503 Service Unavailable",
    "max_connections": 40,
    "allowed_updates": ["message", "callback_query"],
}


@dataclass
class FakeBotApi:
    """Records (method, decoded fields) per call; `refuse` makes setWebhook answer like Telegram's 400."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refuse: str | None = None
    server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        assert request.match_info["bot"] == f"bot{TOKEN}", "the token goes in the path"
        method = request.match_info["method"]
        posted = await request.post()
        self.calls.append((method, {k: _decoded(str(v)) for k, v in posted.items()}))
        if method == "getMe":
            return web.json_response({"ok": True, "result": ME})
        if method == "getWebhookInfo":
            return web.json_response({"ok": True, "result": WEBHOOK_INFO})
        if method == "setWebhook" and self.refuse:
            return web.json_response({"ok": False, "error_code": 400, "description": self.refuse}, status=400)
        return web.json_response({"ok": True, "result": True, "description": "Webhook was set"})

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def settings(self, **overrides: Any) -> Settings:
        assert self.server is not None
        values = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "PUBLIC_BASE_URL": "https://ibimina.example.rw/",
            "TELEGRAM_API_BASE_URL": str(self.server.make_url("/bot")),
            **overrides,
        }
        return load_settings(_env_file=None, **values)


def _decoded(value: str) -> Any:
    """PTB sends every non-string field JSON-encoded in a form; compare the values Telegram would read."""
    try:
        return json.loads(value)
    except ValueError:
        return value


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    app = web.Application()
    app.router.add_post("/{bot}/{method}", api.handle)
    api.server = TestServer(app)
    await api.server.start_server()
    try:
        yield api
    finally:
        await api.server.close()


async def invoke(settings: Settings, *args: str) -> Result:
    """The CLI runs its own event loop, so it runs in a thread while this loop serves the fake API."""
    return await asyncio.to_thread(CliRunner().invoke, telegram, list(args), obj=settings)


async def test_set_webhook_sends_the_route_the_secret_and_the_update_kinds(bot_api: FakeBotApi) -> None:
    result = await invoke(bot_api.settings(), "set-webhook", "--json")
    assert result.exit_code == 0, result.output
    assert bot_api.methods() == ["getMe", "setWebhook"]
    expected_url = "https://ibimina.example.rw" + webhook_path(SECRET)
    assert bot_api.calls[1][1] == {
        "url": expected_url,
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": False,
    }
    assert json.loads(result.output) == {
        "url": expected_url,
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": False,
    }


async def test_set_webhook_can_drop_pending_updates_and_allow_http(bot_api: FakeBotApi) -> None:
    settings = bot_api.settings(PUBLIC_BASE_URL="http://abcd.tunnel.example")
    result = await invoke(settings, "set-webhook", "--drop-pending-updates", "--allow-http")
    assert result.exit_code == 0, result.output
    sent = bot_api.calls[-1][1]
    assert sent["drop_pending_updates"] is True
    assert sent["url"] == "http://abcd.tunnel.example" + webhook_path(SECRET)
    assert "http://abcd.tunnel.example/channels/telegram/" in result.output


async def test_telegrams_refusal_is_exit_1_with_its_description(bot_api: FakeBotApi) -> None:
    bot_api.refuse = "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
    result = await invoke(bot_api.settings(), "set-webhook")
    assert result.exit_code == 1
    assert "telegram refused: bad webhook: failed to resolve host" in result.output.lower()


async def test_refused_settings_make_no_request(bot_api: FakeBotApi) -> None:
    result = await invoke(bot_api.settings(PUBLIC_BASE_URL="http://ibimina.example.rw"), "set-webhook")
    assert result.exit_code == 1
    assert "PUBLIC_BASE_URL" in result.output and "--allow-http" in result.output
    assert bot_api.calls == []


async def test_webhook_info_json_is_telegrams_answer(bot_api: FakeBotApi) -> None:
    result = await invoke(bot_api.settings(TELEGRAM_WEBHOOK_SECRET=""), "webhook-info", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == WEBHOOK_INFO
    assert bot_api.methods() == ["getMe", "getWebhookInfo"]


async def test_webhook_info_text_shows_the_backlog_and_the_last_error(bot_api: FakeBotApi) -> None:
    result = await invoke(bot_api.settings(), "webhook-info")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "url: https://ibimina.example.rw/channels/telegram/abc",
        "pending updates: 3",
        "allowed updates: message, callback_query",
        "last error: 2026-01-01T00:00:00+00:00 Wrong response from the webhook: 503 Service Unavailable",
    ]


async def test_delete_webhook(bot_api: FakeBotApi) -> None:
    result = await invoke(bot_api.settings(), "delete-webhook", "--drop-pending-updates")
    assert result.exit_code == 0, result.output
    assert bot_api.calls[-1] == ("deleteWebhook", {"drop_pending_updates": True})
