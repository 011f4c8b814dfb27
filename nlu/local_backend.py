"""The in-process backend: commands, exact training matches, then the linear model; sub-millisecond."""

from __future__ import annotations

from nlu.entities import extract_entities
from nlu.intents import FALLBACK_INTENT, Intent
from nlu.keywords import match_command
from nlu.language import LanguageDetector
from nlu.normalize import normalize
from nlu.train import TrainedModels
from nlu.types import ParseResult

DEFAULT_THRESHOLD = 0.35
MIN_COVERAGE = 0.5  # below this share of known 3-5 grams, confidence shrinks in proportion
RANKING_SIZE = 3


class LocalNluBackend:
    """Parses with the compiled models. The answer is ``nlu_fallback`` when confidence is below
    ``threshold``, and also when the model recognises off-topic chatter (``out_of_scope`` then leads
    the ranking), so a dialog has one intent to handle with a clarifying question.
    """

    __slots__ = ("_languages", "_models", "threshold")

    def __init__(self, models: TrainedModels, threshold: float = DEFAULT_THRESHOLD) -> None:
        self._models = models
        self._languages = LanguageDetector(models.language)
        self.threshold = threshold

    def detect_language(self, text: str, language_hint: str | None = None) -> tuple[str, float]:
        return self._languages.detect(normalize(text), language_hint)

    def parse(self, text: str, language_hint: str | None = None) -> ParseResult:
        normalized = normalize(text)
        language, _ = self._languages.detect(normalized, language_hint)
        entities = extract_entities(text)
        if not normalized:
            return ParseResult(FALLBACK_INTENT, 0.0, entities, language, ())
        scored = self._models.intent.score(normalized)
        labels = self._models.intent.labels
        order = scored.probabilities.argsort()[::-1][:RANKING_SIZE]
        ranking = tuple((labels[i], round(float(scored.probabilities[i]), 4)) for i in order)

        command = match_command(text)
        known = self._models.memory.get(normalized)
        if command is not None or known is not None:
            if command is not None:
                intent, confidence = command.intent, command.confidence
                # a command shared by the three languages ("menu", "stop") says nothing about language
                language = command.language or language_hint or language
            else:
                intent, confidence = str(known), 1.0
            others = ((name, p) for name, p in ranking if name != intent)
            ranking = ((intent, confidence), *others)[:RANKING_SIZE]
        else:
            intent, confidence = ranking[0]
            if scored.coverage < MIN_COVERAGE:
                confidence = round(confidence * scored.coverage / MIN_COVERAGE, 4)
        if confidence < self.threshold or intent == Intent.OUT_OF_SCOPE:
            intent = FALLBACK_INTENT
        return ParseResult(intent, confidence, entities, language, ranking)

    async def aparse(self, text: str, language_hint: str | None = None) -> ParseResult:
        """Inline: the work is far below the cost of a thread hop."""
        return self.parse(text, language_hint)
