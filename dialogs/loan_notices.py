"""Turns core.loans notices (message id + values) into the member's language: money and dates formatted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.money import Money
from dialogs.i18n import Translator, format_day, format_money


def render_notice(language: str, msgid: str, values: Mapping[str, object]) -> str:
    """The catalogue text of `msgid` in `language`, Money and date values formatted for it."""
    fields: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, Money):
            fields[key] = format_money(value.amount, value.currency, language)
        elif isinstance(value, date):
            fields[key] = format_day(value, language)
        else:
            fields[key] = value
    return Translator(language)(msgid, **fields)
