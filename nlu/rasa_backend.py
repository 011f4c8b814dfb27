"""Optional backend that asks a Rasa server (``POST /model/parse``) and maps its answer to ParseResult."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from nlu.intents import FALLBACK_INTENT
from nlu.language import DEFAULT_LANGUAGE
from nlu.local_backend import DEFAULT_THRESHOLD, RANKING_SIZE, LocalNluBackend
from nlu.types import Entity, ParseResult

log = logging.getLogger(__name__)

NUMERIC_ENTITIES = frozenset({"amount", "term_months", "month", "year", "number"})


class NluUnavailableError(RuntimeError):
    """The Rasa server could not be reached or answered nonsense, and no fallback was configured."""


def _entity_value(name: str, value: Any) -> str | int:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if name in NUMERIC_ENTITIES and isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def result_from_rasa(
    payload: dict[str, Any], language: str, threshold: float = DEFAULT_THRESHOLD
) -> ParseResult:
    """Map Rasa's ``intent``, ``entities`` and ``intent_ranking`` into our types.

    Raises ValueError when the payload is not shaped like Rasa's answer.
    """
    if not isinstance(payload, dict):
        raise ValueError("Rasa answer is not a JSON object")
    intent_obj = payload.get("intent") or {}
    name = intent_obj.get("name") or FALLBACK_INTENT
    confidence = float(intent_obj.get("confidence") or 0.0)
    entities = tuple(
        Entity(
            entity=str(item["entity"]),
            value=_entity_value(str(item["entity"]), item.get("value")),
            start=int(item["start"]),
            end=int(item["end"]),
        )
        for item in payload.get("entities") or ()
        if isinstance(item, dict) and {"entity", "start", "end"} <= item.keys()
    )
    ranking = tuple(
        (str(item["name"]), round(float(item.get("confidence") or 0.0), 4))
        for item in (payload.get("intent_ranking") or ())[:RANKING_SIZE]
        if isinstance(item, dict) and item.get("name")
    ) or ((str(name), round(confidence, 4)),)
    if confidence < threshold:
        name = FALLBACK_INTENT
    return ParseResult(str(name), round(confidence, 4), entities, language, ranking)


class RasaNluBackend:
    """Talks to ``{url}/model/parse``. ``aparse`` uses aiohttp (one pooled session, close it with
    ``aclose``); ``parse`` is a plain blocking request for scripts and the CLI.

    Rasa does not say which language a message is in: the fallback backend's detector answers when
    there is one, else the caller's hint.
    """

    def __init__(
        self,
        url: str,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        timeout: float = 5.0,
        fallback: LocalNluBackend | None = None,
    ) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"Rasa URL must be http(s): {url!r}")
        self.endpoint = url.rstrip("/") + "/model/parse"
        self.threshold = threshold
        self.timeout = timeout
        self.fallback = fallback
        self._session: aiohttp.ClientSession | None = None

    def _language(self, text: str, hint: str | None) -> str:
        if self.fallback is not None:
            return self.fallback.detect_language(text, hint)[0]
        return hint or DEFAULT_LANGUAGE

    def _body(self, text: str) -> bytes:
        return json.dumps({"text": text, "message_id": uuid.uuid4().hex}).encode()

    def _unavailable(self, text: str, hint: str | None, exc: Exception) -> ParseResult:
        if self.fallback is None:
            raise NluUnavailableError(f"Rasa NLU at {self.endpoint} failed: {exc}") from exc
        log.warning("nlu: Rasa at %s failed (%s); using the local backend", self.endpoint, exc)
        return self.fallback.parse(text, hint)

    def parse(self, text: str, language_hint: str | None = None) -> ParseResult:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.endpoint, data=self._body(text), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read())
            return result_from_rasa(payload, self._language(text, language_hint), self.threshold)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # URLError and timeouts are OSError
            return self._unavailable(text, language_hint, exc)

    async def aparse(self, text: str, language_hint: str | None = None) -> ParseResult:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        try:
            async with self._session.post(
                self.endpoint, data=self._body(text), headers={"Content-Type": "application/json"}
            ) as response:
                response.raise_for_status()
                payload = await response.json(content_type=None)
            return result_from_rasa(payload, self._language(text, language_hint), self.threshold)
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError, TypeError) as exc:
            return self._unavailable(text, language_hint, exc)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> RasaNluBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
