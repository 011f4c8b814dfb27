"""`ibimina telegram set-webhook | webhook-info | delete-webhook`: tell Telegram where to deliver updates."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from telegram.error import TelegramError

from bot.cli.common import print_json
from channels.telegram_webhook import WebhookSetupError, delete_webhook, set_webhook, webhook_info
from core.settings import Settings

T = TypeVar("T")
DROP_HELP = "Discard the updates Telegram is still holding for the bot."


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run one Bot API exchange; a setting problem or Telegram's refusal becomes exit 1 with its message."""
    try:
        return asyncio.run(work)
    except WebhookSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    except TelegramError as exc:
        raise click.ClickException(f"Telegram refused: {exc.message}") from exc


@click.group("telegram")
def telegram() -> None:
    """Register the Telegram webhook with the Bot API (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL)."""


@telegram.command("set-webhook")
@click.option("--drop-pending-updates", is_flag=True, help=DROP_HELP)
@click.option(
    "--allow-http", is_flag=True, help="Accept an http:// PUBLIC_BASE_URL (local Bot API server, tunnel)."
)
@click.option("--json", "as_json", is_flag=True, help="Print what was registered as JSON.")
@click.pass_obj
def set_webhook_command(
    settings: Settings, drop_pending_updates: bool, allow_http: bool, as_json: bool
) -> None:
    """Point Telegram at PUBLIC_BASE_URL's webhook, signed with TELEGRAM_WEBHOOK_SECRET."""
    target = _run(set_webhook(settings, drop_pending_updates=drop_pending_updates, allow_http=allow_http))
    if as_json:
        print_json({"url": target.url, "allowed_updates": list(target.allowed_updates),
                    "drop_pending_updates": drop_pending_updates})  # fmt: skip
        return
    click.echo(f"Telegram now delivers {', '.join(target.allowed_updates)} to {target.url}")


@telegram.command("webhook-info")
@click.option("--json", "as_json", is_flag=True, help="Telegram's WebhookInfo as JSON.")
@click.pass_obj
def webhook_info_command(settings: Settings, as_json: bool) -> None:
    """Where Telegram delivers now, how many updates wait, and the last delivery error."""
    info = _run(webhook_info(settings))
    if as_json:
        print_json(info)
        return
    if not info.get("url"):
        click.echo("No webhook is set.")
        return
    click.echo(f"url: {info['url']}")
    click.echo(f"pending updates: {info.get('pending_update_count', 0)}")
    click.echo(f"allowed updates: {', '.join(info.get('allowed_updates') or ['(all but chat_member)'])}")
    if info.get("last_error_date"):
        when = datetime.fromtimestamp(int(info["last_error_date"]), UTC).isoformat(timespec="seconds")
        click.echo(f"last error: {when} {info.get('last_error_message', '')}")


@telegram.command("delete-webhook")
@click.option("--drop-pending-updates", is_flag=True, help=DROP_HELP)
@click.pass_obj
def delete_webhook_command(settings: Settings, drop_pending_updates: bool) -> None:
    """Stop webhook delivery (Telegram keeps updates for up to 24 hours unless dropped)."""
    _run(delete_webhook(settings, drop_pending_updates=drop_pending_updates))
    click.echo("Webhook deleted.")
