"""Held-out evaluation: a stratified split per (language, intent), accuracy per language, confusions."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu.intents import FALLBACK_INTENT, LANGUAGES, Intent
from nlu.local_backend import DEFAULT_THRESHOLD, LocalNluBackend
from nlu.train import train
from nlu.training_data import DATA_DIR, Example, load_training_data

DEFAULT_TEST_FRACTION = 0.2
DEFAULT_SEED = 42


@dataclass(frozen=True, slots=True)
class LanguageScore:
    """Accuracy counts ``nlu_fallback`` as wrong; ``classifier_accuracy`` ignores the threshold."""

    language: str
    total: int
    correct: int
    accuracy: float
    classifier_accuracy: float
    fallback_rate: float
    language_id_accuracy: float


@dataclass(frozen=True, slots=True)
class Confusion:
    language: str
    expected: str
    predicted: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvalReport:
    languages: tuple[LanguageScore, ...]
    confusions: tuple[Confusion, ...]  # most frequent first
    train_size: int
    test_size: int
    threshold: float
    seed: int

    def accuracy(self, language: str) -> float:
        return next(s.accuracy for s in self.languages if s.language == language)

    def below(self, min_accuracy: float) -> tuple[str, ...]:
        """Languages whose held-out accuracy misses ``min_accuracy``."""
        return tuple(s.language for s in self.languages if s.accuracy < min_accuracy)


def split_examples(
    examples: Sequence[Example], test_fraction: float = DEFAULT_TEST_FRACTION, seed: int = DEFAULT_SEED
) -> tuple[list[Example], list[Example]]:
    """Stratified by (language, intent) with a fixed seed: at least one test example per group."""
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for example in examples:
        groups[(example.language, example.intent)].append(example)
    rng = random.Random(seed)
    train_part: list[Example] = []
    test_part: list[Example] = []
    for key in sorted(groups):
        members = list(groups[key])
        rng.shuffle(members)
        n_test = max(1, round(len(members) * test_fraction))
        test_part.extend(members[:n_test])
        train_part.extend(members[n_test:])
    return train_part, test_part


def evaluate(
    data_dir: Path = DATA_DIR,
    *,
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = DEFAULT_SEED,
    threshold: float = DEFAULT_THRESHOLD,
    top_confusions: int = 15,
) -> EvalReport:
    """Train on the rest, parse each held-out utterance (with its language as the hint, as the router
    would), and score. Language identification is scored without the hint.
    """
    train_part, test_part = split_examples(load_training_data(data_dir), test_fraction, seed)
    models = train(train_part)
    backend = LocalNluBackend(models, threshold=threshold)
    per_language: dict[str, list[tuple[Example, str, str, str]]] = defaultdict(list)
    for example in test_part:
        result = backend.parse(example.text, example.language)
        argmax = (
            result.ranking[0][0] if result.intent == FALLBACK_INTENT and result.ranking else result.intent
        )
        predicted = result.intent
        if example.intent == Intent.OUT_OF_SCOPE and predicted == FALLBACK_INTENT:
            predicted = example.intent  # off-topic is meant to come back as nlu_fallback
        detected, _ = backend.detect_language(example.text)
        per_language[example.language].append((example, predicted, argmax, detected))

    scores: list[LanguageScore] = []
    confusion_counts: Counter[tuple[str, str, str]] = Counter()
    confusion_examples: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for language in sorted(per_language, key=lambda lang: (LANGUAGES + (lang,)).index(lang)):
        rows = per_language[language]
        correct = sum(1 for ex, predicted, _, _ in rows if predicted == ex.intent)
        for ex, predicted, _, _ in rows:
            if predicted != ex.intent:
                key = (language, ex.intent, predicted)
                confusion_counts[key] += 1
                confusion_examples[key].append(ex.text)
        scores.append(
            LanguageScore(
                language=language,
                total=len(rows),
                correct=correct,
                accuracy=correct / len(rows),
                classifier_accuracy=sum(1 for ex, _, arg, _ in rows if arg == ex.intent) / len(rows),
                fallback_rate=sum(1 for _, predicted, _, _ in rows if predicted == FALLBACK_INTENT)
                / len(rows),
                language_id_accuracy=sum(1 for ex, _, _, det in rows if det == ex.language) / len(rows),
            )
        )
    confusions = tuple(
        Confusion(
            lang, expected, predicted, count, tuple(confusion_examples[(lang, expected, predicted)][:3])
        )
        for (lang, expected, predicted), count in confusion_counts.most_common(top_confusions)
    )
    return EvalReport(tuple(scores), confusions, len(train_part), len(test_part), threshold, seed)
