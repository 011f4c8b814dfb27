"""nlu layer (see ARCHITECTURE.md): text -> ParseResult(intent, confidence, entities, language)."""

from nlu.entities import extract_entities
from nlu.factory import detect_language, load_default, load_local, make_backend
from nlu.intents import FALLBACK_INTENT, LANGUAGES, Intent
from nlu.local_backend import DEFAULT_THRESHOLD, LocalNluBackend
from nlu.types import Entity, NluBackend, ParseResult

__all__ = [
    "DEFAULT_THRESHOLD",
    "FALLBACK_INTENT",
    "LANGUAGES",
    "Entity",
    "Intent",
    "LocalNluBackend",
    "NluBackend",
    "ParseResult",
    "detect_language",
    "extract_entities",
    "load_default",
    "load_local",
    "make_backend",
]
