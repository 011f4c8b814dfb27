"""The `ibimina` command: one click group; each concern's subcommands live in their own module here."""

from __future__ import annotations

import click

from bot.cli import (
    audit,
    chat,
    check,
    database,
    inbox,
    ledger,
    nlu,
    outbox,
    payments,
    pii,
    server,
    sms,
    telegram,
    workers,
)
from core.settings import load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Ibimina: savings groups and SACCOs on WhatsApp, USSD, SMS and Telegram."""
    ctx.obj = load_settings()


# Explicit registry, in the order `--help` lists them.
for command in (
    server.serve,
    database.migrate,
    database.demo,
    workers.worker,
    workers.beat,
    check.check,
    chat.chat,
    ledger.ledger,
    nlu.nlu,
    nlu.nlu_eval,
    payments.device,
    payments.import_sms,
    payments.reconcile,
    sms.sms,
    outbox.outbox,
    inbox.inbox,
    telegram.telegram,
    audit.audit,
    pii.rotate_keys,
):
    main.add_command(command)
