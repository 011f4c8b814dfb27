"""The webhook target: built from PUBLIC_BASE_URL and the adapter's own route, refused (naming the setting)
when a setting is missing or Telegram could not deliver to it; the CLI turns refusals into exit 1."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from click.testing import CliRunner

from bot.cli.telegram import telegram
from channels import telegram as telegram_channel
from channels.telegram_webhook import WebhookSetupError, webhook_target
from core.settings import Settings, load_settings

COMPLETE = {
    "TELEGRAM_BOT_TOKEN": "123:ABC",
    "TELEGRAM_WEBHOOK_SECRET": "hook-secret_1",
    "PUBLIC_BASE_URL": "https://ibimina.example.rw",
    "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # discard port: a request here would fail loudly
}


def settings(**overrides: str) -> Settings:
    return load_settings(_env_file=None, **{**COMPLETE, **overrides})


async def test_the_registered_url_reaches_the_webhook_handler() -> None:
    target = webhook_target(settings())
    path = target.url.removeprefix("https://ibimina.example.rw")
    app = web.Application()
    context = SimpleNamespace(inbox_routes={})  # setup mounts the route and names how stored updates are worked
    telegram_channel.setup(app, context)  # type: ignore[arg-type]
    assert "telegram" in context.inbox_routes
    match = await app.router.resolve(make_mocked_request("POST", path, app=app))
    assert match.handler is telegram_channel.webhook
    assert target.secret_token == "hook-secret_1"
    assert target.allowed_updates == ("message", "callback_query")


def test_the_path_is_stable_and_does_not_show_the_secret() -> None:
    path = telegram_channel.webhook_path("hook-secret_1")
    assert path == telegram_channel.webhook_path("hook-secret_1") != telegram_channel.webhook_path("other")
    assert "hook-secret" not in path


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET is not set"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters"),
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL is not set"),
        ({"PUBLIC_BASE_URL": "http://ibimina.example.rw"}, "Telegram delivers only to https://"),
        ({"PUBLIC_BASE_URL": "ibimina.example.rw"}, "expected an https:// URL"),
    ],
)
def test_refusals_name_the_setting(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(WebhookSetupError, match=named):
        webhook_target(settings(**overrides))


def test_every_missing_setting_is_named_at_once() -> None:
    with pytest.raises(WebhookSetupError) as caught:
        webhook_target(settings(TELEGRAM_BOT_TOKEN="", TELEGRAM_WEBHOOK_SECRET="", PUBLIC_BASE_URL=""))
    assert str(caught.value) == (
        "TELEGRAM_BOT_TOKEN is not set; TELEGRAM_WEBHOOK_SECRET is not set; PUBLIC_BASE_URL is not set"
    )


def test_http_only_when_asked_for() -> None:
    target = webhook_target(settings(PUBLIC_BASE_URL="http://localhost:8000/"), allow_http=True)
    assert target.url == "http://localhost:8000" + telegram_channel.webhook_path("hook-secret_1")


@pytest.mark.parametrize(
    ("args", "overrides", "named"),
    [
        (["set-webhook"], {"PUBLIC_BASE_URL": "http://ibimina.example.rw"}, "PUBLIC_BASE_URL"),
        (["set-webhook", "--allow-http"], {"TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET"),
        (["webhook-info"], {"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
        (["delete-webhook"], {"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
    ],
)
def test_the_cli_exits_1_naming_the_setting(args: list[str], overrides: dict[str, Any], named: str) -> None:
    result = CliRunner().invoke(telegram, args, obj=settings(**overrides))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and named in result.output
    assert "Telegram refused" not in result.output  # refused before any request
