"""The USSD engine on the in-memory store: cumulative (Africa's Talking) and latest-input (Oltranz-style)
gateways drive the same mechanics; handler failures end the session politely."""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.vocabulary import Choice, Inbound, InboundKind, Reply
from ussd.engine import ERROR_NOTICE, UssdEngine, UssdHop
from ussd.session import MemorySessionStore

MENU = (Choice("bal", "Balance"), Choice("loan", "Loan"))


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Inbound] = []

    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        self.seen.append(inbound)
        if inbound.kind is InboundKind.SESSION_START:
            return [Reply("Menu", choices=MENU)]
        if inbound.choice_id == "loan":
            return [Reply("Amount?", expects_answer=True)]
        return [Reply(f"Got {inbound.text}", final=True)]


async def test_cumulative_text_yields_the_latest_answer() -> None:
    handler = Recorder()
    engine = UssdEngine(handler, MemorySessionStore())
    hop = lambda text: UssdHop("s1", "+250788111111", text)  # noqa: E731
    assert (await engine.hop(hop(""))).text == "Menu\n1. Balance\n2. Loan"
    assert (await engine.hop(hop("2"))).text == "Amount?"
    answer = await engine.hop(hop("2*5*000"))  # an answer may itself contain '*'
    assert (answer.text, answer.end) == ("Got 5*000", True)
    assert [(i.kind, i.choice_id, i.text) for i in handler.seen] == [
        (InboundKind.SESSION_START, None, ""),
        (InboundKind.CHOICE, "loan", "2"),
        (InboundKind.TEXT, None, "5*000"),
    ]
    assert len({i.message_id for i in handler.seen}) == 3


async def test_a_latest_input_gateway_uses_the_same_engine() -> None:
    handler = Recorder()
    engine = UssdEngine(handler, MemorySessionStore())
    first = await engine.hop(UssdHop("o1", "+250788111112", "*384*1#", cumulative=False, first=True))
    assert first.text.startswith("Menu")
    assert (await engine.hop(UssdHop("o1", "+250788111112", "1", cumulative=False))).text == "Got 1"


async def test_a_failing_handler_ends_the_session_politely() -> None:
    async def broken(inbound: Inbound) -> Sequence[Reply]:
        raise RuntimeError("boom")

    answer = await UssdEngine(broken, MemorySessionStore()).hop(UssdHop("s2", "+250788111113", ""))
    assert (answer.text, answer.end) == (ERROR_NOTICE, True)
