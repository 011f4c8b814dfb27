"""`ibimina chat`: talk to the bot in the terminal as one phone on one channel, against the demo data."""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TextIO

import click

from bot.cli.common import with_runtime
from bot.router import make_handler
from bot.runtime import Runtime
from channels.preview import render_preview
from core.conversations.state import conversation_key, load_conversation, set_language
from core.demo.seed import seed_demo
from core.phones import normalise_phone
from core.settings import Settings
from dialogs.vocabulary import Channel, Inbound, InboundHandler, InboundKind, Reply
from ussd.engine import UssdEngine, UssdHop
from ussd.session import MemorySessionStore

QUIT = {"/quit", "/exit", "/q"}
HELP = "Type your message. On USSD type the number or answer; '/dial' starts a new session. '/quit' leaves."


@click.command()
@click.option("--phone", required=True, help="The member's phone, e.g. +250788100001 (demo: `ibimina demo`).")
@click.option("--channel", type=click.Choice(["whatsapp", "sms", "ussd", "telegram"]), default="whatsapp",
              show_default=True)
@click.option("--lang", type=click.Choice(["rw", "en", "fr"]), default=None,
              help="Set this phone's language first (as the member choosing a language would).")
@click.option("--demo/--no-demo", "load_demo", default=True, show_default=True, help="Load the demo first.")
@click.pass_obj
def chat(settings: Settings, phone: str, channel: str, lang: str | None, load_demo: bool) -> None:
    """Talk to the bot as PHONE on CHANNEL, rendered as that channel shows it."""
    e164 = normalise_phone(phone)

    async def run(rt: Runtime) -> None:
        if load_demo:
            await seed_demo(rt.db)
        if lang:
            await _set_language(rt, e164, Channel(channel), lang)
        session = ChatSession(make_handler(rt), e164, Channel(channel))
        await session.loop(sys.stdin, click.echo)

    with_runtime(settings, run, migrate=settings.database_url is None)


async def _set_language(rt: Runtime, phone: str, channel: Channel, language: str) -> None:
    key, _ = conversation_key(channel.value, phone)
    async with rt.db.system() as session:
        conversation = await load_conversation(session, key=key, phone=phone, channel=channel.value)
        await set_language(session, conversation, language)


class ChatSession:
    """The terminal conversation: chat channels send each line; USSD runs a session with cumulative text."""

    def __init__(self, handler: InboundHandler, phone: str, channel: Channel) -> None:
        self.handler = handler
        self.phone = phone
        self.channel = channel
        self.ids = itertools.count(1)
        self.ussd = UssdEngine(handler, MemorySessionStore(), budget=30.0) if channel is Channel.USSD else None
        self.session_id = ""
        self.inputs: list[str] = []
        self.ended = True

    async def loop(self, stream: TextIO, echo: Callable[[str], None]) -> None:
        echo(f"{self.channel.value} as {self.phone}. {HELP}")
        echo(await self.open())
        for raw in stream:
            line = raw.rstrip("\n")
            if line.strip() in QUIT:
                break
            echo(await self.send(line))

    async def open(self) -> str:
        if self.ussd is not None:
            return await self.dial()
        return self.show(await self.handler(self.inbound("", InboundKind.SESSION_START)))

    async def send(self, line: str) -> str:
        if self.ussd is not None:
            if line.strip() == "/dial" or self.ended:
                return await self.dial()
            self.inputs.append(line.strip())
            return await self.ussd_hop()
        return self.show(await self.handler(self.inbound(line, InboundKind.TEXT)))

    async def dial(self) -> str:
        self.session_id = f"chat-{int(time.time() * 1000)}"
        self.inputs = []
        return await self.ussd_hop()

    async def ussd_hop(self) -> str:
        assert self.ussd is not None
        answer = await self.ussd.hop(UssdHop(self.session_id, self.phone, "*".join(self.inputs)))
        self.ended = answer.end
        tail = "\n(session ended: press Enter to dial again)" if answer.end else ""
        return f"{'END' if answer.end else 'CON'} {answer.text}{tail}"

    def inbound(self, text: str, kind: InboundKind) -> Inbound:
        return Inbound(channel=self.channel, sender=self.phone, text=text, message_id=f"chat-{next(self.ids)}",
                       received_at=datetime.now(UTC), kind=kind)

    def show(self, replies: Sequence[Reply]) -> str:
        return render_preview(self.channel, replies) if replies else "(no reply)"
