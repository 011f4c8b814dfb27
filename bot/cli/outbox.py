"""`ibimina outbox`: what the bot sent or would send (sandbox), newest last, with delivery status."""

from __future__ import annotations

import json

import click

from bot.cli.common import with_runtime
from bot.runtime import Runtime
from core.messaging.outbox import list_outbox
from core.phones import try_normalise_phone
from core.settings import Settings


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--channel", type=click.Choice(["whatsapp", "sms", "telegram"]), help="Only this channel.")
@click.option("--phone", help="Only this recipient (any phone spelling, or a Telegram chat id).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def outbox(settings: Settings, as_json: bool, channel: str | None, phone: str | None, limit: int) -> None:
    """List outbound messages (replies, codes, reminders) and their delivery status."""
    recipient = (try_normalise_phone(phone) or phone) if phone else None

    async def fetch(rt: Runtime) -> list[dict[str, object]]:
        async with rt.db.system() as session:
            rows = await list_outbox(session, channel=channel, recipient=recipient, limit=limit)
        return [
            {
                "id": r.id,
                "channel": r.channel,
                "recipient": r.recipient,
                "text": r.text,
                "choices": r.choices,
                "status": r.status,
                "provider": r.provider,
                "source": r.source,
                "organization_id": r.organization_id,
                "error": r.error,
                "created_at": r.created_at.isoformat(timespec="seconds"),
            }
            for r in rows
        ]

    rows = with_runtime(settings, fetch)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo("The outbox is empty.")
        return
    for row in rows:
        choices = row["choices"]
        titles = " ".join(f"[{c['title']}]" for c in choices) if isinstance(choices, list) else ""
        text = str(row["text"]).replace("\n", " / ")
        click.echo(
            f"{str(row['created_at'])[:19]} {row['channel']:<8} {row['recipient']:<14} "
            f"{row['status']:<9} {row['provider'] or '-':<8} {text[:70]} {titles}".rstrip()
        )
