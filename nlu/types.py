"""Values the NLU layer hands to dialogs, and the backend interface they are produced through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Entity:
    """A typed piece of a message; ``start``/``end`` index the original text (end exclusive)."""

    entity: str
    value: str | int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a message means: the chosen intent, how sure we are, and the runners-up."""

    intent: str
    confidence: float
    entities: tuple[Entity, ...]
    language: str
    ranking: tuple[tuple[str, float], ...]

    def entity(self, name: str) -> Entity | None:
        """The first entity called ``name``, so a form can read a slot in one line."""
        return next((e for e in self.entities if e.entity == name), None)


@runtime_checkable
class NluBackend(Protocol):
    """One interface for every backend: ``parse`` for sync callers, ``aparse`` for the async router.

    The local backend answers ``aparse`` inline (it is sub-millisecond); the Rasa backend does real
    I/O in ``aparse`` and a blocking request in ``parse``.
    """

    def parse(self, text: str, language_hint: str | None = None) -> ParseResult: ...

    async def aparse(self, text: str, language_hint: str | None = None) -> ParseResult: ...
