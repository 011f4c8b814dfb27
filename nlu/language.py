"""Language identification (rw/en/fr) with a char n-gram model that defers to a hint when unsure."""

from __future__ import annotations

from dataclasses import dataclass

from nlu.linear import LinearTextModel

DEFAULT_LANGUAGE = "rw"
MIN_CONFIDENCE = 0.6  # below this (e.g. "ok", "1", "menu") the caller's hint is the better guess
MIN_LETTERS = 4  # "ok", "bal", "1": too little text to overrule what the caller knows


@dataclass(frozen=True, slots=True)
class LanguageDetector:
    """Wraps the language model; ``detect`` takes text already passed through ``normalize``."""

    model: LinearTextModel
    min_confidence: float = MIN_CONFIDENCE

    def detect(self, normalized: str, hint: str | None = None) -> tuple[str, float]:
        """The language and its probability; a known hint wins for short or ambiguous text."""
        letters = sum(ch.isalpha() for ch in normalized)
        if letters == 0:
            return (hint, 1.0) if hint else (DEFAULT_LANGUAGE, 0.0)
        probabilities = self.model.score(normalized).probabilities
        best = int(probabilities.argmax())
        language, confidence = self.model.labels[best], float(probabilities[best])
        unsure = letters < MIN_LETTERS or confidence < self.min_confidence
        if unsure and hint in self.model.labels and hint != language:
            return hint, float(probabilities[self.model.labels.index(hint)])
        return language, confidence
