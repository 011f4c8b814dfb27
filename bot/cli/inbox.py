"""`ibimina inbox`: acknowledged webhooks still to be worked, and those given up after repeated failures."""

from __future__ import annotations

import json
from typing import Any

import click

from bot.cli.common import with_runtime
from bot.runtime import Runtime
from core.messaging.inbox import backlog, given_up, requeue
from core.settings import Settings


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the backlog and the given-up rows.")
@click.option("--retry", "retry_id", type=int, help="Put this given-up row back to be worked again.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def inbox(settings: Settings, as_json: bool, retry_id: int | None, limit: int) -> None:
    """Show the webhook inbox: how much waits, how old the oldest is, and what was given up (and why)."""

    async def run(rt: Runtime) -> dict[str, Any]:
        requeued = await requeue(rt.db, retry_id) if retry_id is not None else None
        counts = await backlog(rt.db)
        rows = await given_up(rt.db, limit)
        return {
            "requeued": requeued,
            "waiting": counts.waiting,
            "oldest_seconds": None if counts.oldest_seconds is None else round(counts.oldest_seconds, 1),
            "failed": counts.failed,
            "given_up": [
                {
                    "id": r.id,
                    "provider": r.provider,
                    "attempts": r.attempts,
                    "error": r.error,
                    "received_at": r.received_at.isoformat(timespec="seconds"),
                }
                for r in rows
            ],
        }

    report = with_runtime(settings, run)
    if retry_id is not None and not report["requeued"]:
        raise click.ClickException(f"no given-up inbox row {retry_id}")
    if as_json:
        click.echo(json.dumps({k: v for k, v in report.items() if k != "requeued"}, ensure_ascii=False))
        return
    if report["requeued"]:
        click.echo(f"Row {retry_id} is back in the inbox; a running service will work it.")
    oldest = f", the oldest {report['oldest_seconds']:.0f} s old" if report["waiting"] else ""
    click.echo(f"{report['waiting']} webhook(s) waiting{oldest}; {report['failed']} given up.")
    for row in report["given_up"]:
        click.echo(f"{row['received_at'][:19]} #{row['id']:<8} {row['provider']:<9} x{row['attempts']} {row['error']}")
