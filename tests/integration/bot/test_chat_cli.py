"""`ibimina chat`: a person talks to the bot in the terminal as the demo's members, on each channel."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli.chat import chat
from core.settings import Settings


@pytest.mark.parametrize(("channel", "lang", "lines", "expect"), [
    ("ussd", "rw", "1\n\n4\n/quit\n", ["CON Muraho Aline! Hitamo:", "END Ubwizigame bwawe", "Ushobora kuguza kugeza"]),
    ("whatsapp", "en", "my balance\n/quit\n", ["Hello Aline", "Your savings", "[Main menu]"]),
    ("sms", "fr", "menu\n2\n/quit\n", ["1. Mon épargne", "code de paiement"]),
])
def test_chat_as_a_demo_member(settings: Settings, channel: str, lang: str, lines: str, expect: list[str]) -> None:
    args = ["--phone", "0788100001", "--channel", channel, "--lang", lang]
    result = CliRunner().invoke(chat, args, obj=settings, input=lines)
    assert result.exit_code == 0, result.output
    for text in expect:
        assert text in result.output
