"""`ibimina sms parse`: staff check SMS by hand; bodies in on stdin, one JSON object out per message."""

from __future__ import annotations

import json
from typing import TextIO

import click

from core.payments.sms import ParsedSms, parse_sms, to_json_dict


@click.group("sms")
def sms() -> None:
    """Mobile-money SMS tools."""


def _parse_line(line: str, sender: str | None, received_at: str | None) -> ParsedSms:
    if not line.lstrip().startswith("{"):
        return parse_sms(line, sender=sender, received_at=received_at)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return ParsedSms(error=f"invalid JSON line: {exc.msg} at column {exc.colno}")
    if not isinstance(record, dict) or not isinstance(record.get("body"), str):
        return ParsedSms(error='JSON line needs a "body" string')
    line_sender = record.get("sender")
    return parse_sms(
        record["body"],
        sender=line_sender if isinstance(line_sender, str) else sender,
        received_at=record.get("received_at", received_at),
    )


@sms.command("parse")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--sender", default=None, help="Sender id for plain lines, e.g. M-Money or AirtelMoney.")
@click.option(
    "--received-at",
    default=None,
    help="When plain lines were received (ISO 8601 or epoch ms); used when the text has no time.",
)
def parse(source: TextIO, sender: str | None, received_at: str | None) -> None:
    """Parse SMS read from SOURCE (default: stdin), one per line.

    A line is either the SMS body itself, or (when it starts with '{') a JSON object with "body" and
    optional "sender" and "received_at". Prints one JSON object per non-blank line, in order.
    """
    for raw in source:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        result = _parse_line(line, sender, received_at)
        click.echo(json.dumps(to_json_dict(result), ensure_ascii=False))
