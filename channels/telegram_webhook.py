"""Telling Telegram where to deliver (setWebhook, getWebhookInfo, deleteWebhook) for `ibimina telegram`.

The target is built from the same settings and route the webhook checks, so what is registered and what is
accepted cannot drift apart. Settings are checked before any request, and every problem is named at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import Bot

from channels.base import secret_value
from channels.telegram import ALLOWED_UPDATES, webhook_path
from core.settings import Settings

# Telegram's rule for secret_token: 1-256 of A-Z, a-z, 0-9, _ and -. Checked here for a clearer message.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class WebhookSetupError(Exception):
    """A setting is missing or unusable; the message names it."""


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """What setWebhook is given."""

    url: str
    secret_token: str
    allowed_updates: tuple[str, ...] = ALLOWED_UPDATES


def webhook_target(settings: Settings, *, allow_http: bool = False) -> WebhookTarget:
    """PUBLIC_BASE_URL + the route, with TELEGRAM_WEBHOOK_SECRET; refuses http unless allowed (Telegram's own
    servers deliver only to https; a local Bot API server or a tunnel may not)."""
    problems = _token_problems(settings)
    secret = secret_value(settings.telegram_webhook_secret)
    base = settings.public_base_url.strip().rstrip("/")
    if secret is None:
        problems.append("TELEGRAM_WEBHOOK_SECRET is not set")
    elif not _SECRET_TOKEN.fullmatch(secret):
        problems.append("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    if not base:
        problems.append("PUBLIC_BASE_URL is not set")
    elif base.startswith("http://") and not allow_http:
        problems.append(
            f"PUBLIC_BASE_URL is {base}: Telegram delivers only to https:// "
            "(pass --allow-http for a local Bot API server or tunnel)"
        )
    elif not base.startswith(("https://", "http://")):
        problems.append(f"PUBLIC_BASE_URL is {base}: expected an https:// URL")
    if problems or secret is None:
        raise WebhookSetupError("; ".join(problems))
    return WebhookTarget(url=base + webhook_path(secret), secret_token=secret)


async def set_webhook(
    settings: Settings, *, drop_pending_updates: bool = False, allow_http: bool = False
) -> WebhookTarget:
    target = webhook_target(settings, allow_http=allow_http)
    async with _bot(settings) as bot:
        await bot.set_webhook(
            url=target.url,
            secret_token=target.secret_token,
            allowed_updates=list(target.allowed_updates),
            drop_pending_updates=drop_pending_updates,
        )
    return target


async def webhook_info(settings: Settings) -> dict[str, Any]:
    """getWebhookInfo as Telegram returns it (an empty url: no webhook is set)."""
    _require_token(settings)
    async with _bot(settings) as bot:
        info = await bot.get_webhook_info()
    return info.to_dict(recursive=True)


async def delete_webhook(settings: Settings, *, drop_pending_updates: bool = False) -> None:
    _require_token(settings)
    async with _bot(settings) as bot:
        await bot.delete_webhook(drop_pending_updates=drop_pending_updates)


def _token_problems(settings: Settings) -> list[str]:
    return [] if secret_value(settings.telegram_bot_token) else ["TELEGRAM_BOT_TOKEN is not set"]


def _require_token(settings: Settings) -> None:
    if problems := _token_problems(settings):
        raise WebhookSetupError("; ".join(problems))


def _bot(settings: Settings) -> Bot:
    """Entering it calls getMe, so a wrong token fails first with Telegram's InvalidToken."""
    return Bot(secret_value(settings.telegram_bot_token) or "", base_url=settings.telegram_api_base_url)
