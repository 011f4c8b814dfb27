"""The Rasa backend over real HTTP, against a local aiohttp server that answers like Rasa does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from nlu.local_backend import LocalNluBackend
from nlu.rasa_backend import NluUnavailableError, RasaNluBackend, result_from_rasa
from nlu.types import Entity, NluBackend

RASA_ANSWER: dict[str, Any] = {
    "text": "ndashaka loan ya 5000",
    "intent": {"name": "apply_loan", "confidence": 0.93},
    "entities": [
        {"entity": "amount", "value": "5000", "start": 17, "end": 21, "extractor": "RegexEntityExtractor"},
        {"entity": "code", "value": "0012345", "start": 0, "end": 0, "extractor": "X"},
    ],
    "intent_ranking": [
        {"name": "apply_loan", "confidence": 0.93},
        {"name": "loan_status", "confidence": 0.05},
        {"name": "inform", "confidence": 0.01},
        {"name": "greet", "confidence": 0.01},
    ],
}


class FakeRasa:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200

    async def parse(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.status != 200:
            return web.json_response({"error": "boom"}, status=self.status)
        return web.json_response({**RASA_ANSWER, "text": body["text"]})


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/model/parse", fake.parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield fake, f"http://{host}:{port}/"
    finally:
        await runner.cleanup()


EXPECTED_ENTITIES = (Entity("amount", 5000, 17, 21), Entity("code", "0012345", 0, 0))


async def test_aparse_maps_rasa_answer(rasa: tuple[FakeRasa, str]) -> None:
    fake, url = rasa
    async with RasaNluBackend(url) as backend:
        assert isinstance(backend, NluBackend)
        result = await backend.aparse("ndashaka loan ya 5000", language_hint="rw")
    assert result.intent == "apply_loan" and result.confidence == 0.93
    assert result.entities == EXPECTED_ENTITIES
    assert result.ranking == (("apply_loan", 0.93), ("loan_status", 0.05), ("inform", 0.01))
    assert result.language == "rw"
    assert fake.requests[0]["text"] == "ndashaka loan ya 5000"
    assert isinstance(fake.requests[0]["message_id"], str) and fake.requests[0]["message_id"]


async def test_sync_parse_over_http(rasa: tuple[FakeRasa, str]) -> None:
    fake, url = rasa
    backend = RasaNluBackend(url)
    result = await asyncio.to_thread(backend.parse, "hello", "en")
    assert (result.intent, result.language, result.entities) == ("apply_loan", "en", EXPECTED_ENTITIES)
    assert fake.requests[-1]["text"] == "hello"


async def test_server_error_without_fallback_raises(rasa: tuple[FakeRasa, str]) -> None:
    fake, url = rasa
    fake.status = 500
    async with RasaNluBackend(url) as backend:
        with pytest.raises(NluUnavailableError):
            await backend.aparse("hello")
    with pytest.raises(NluUnavailableError):
        await asyncio.to_thread(RasaNluBackend(url).parse, "hello")


async def test_unreachable_server_uses_the_local_fallback(nlu_backend: LocalNluBackend) -> None:
    async with RasaNluBackend("http://127.0.0.1:9/", timeout=2.0, fallback=nlu_backend) as backend:
        result = await backend.aparse("nshaka kureba balance", "rw")
    assert result == nlu_backend.parse("nshaka kureba balance", "rw")


def test_low_confidence_becomes_fallback_and_keeps_ranking() -> None:
    result = result_from_rasa({**RASA_ANSWER, "intent": {"name": "greet", "confidence": 0.2}}, "fr", 0.5)
    assert (result.intent, result.confidence) == ("nlu_fallback", 0.2)
    assert result.ranking[0] == ("apply_loan", 0.93)


def test_missing_intent_is_fallback() -> None:
    result = result_from_rasa({"text": "x", "intent": None, "entities": []}, "rw")
    assert (result.intent, result.confidence, result.ranking) == (
        "nlu_fallback",
        0.0,
        (("nlu_fallback", 0.0),),
    )


def test_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        RasaNluBackend("file:///etc/passwd")
