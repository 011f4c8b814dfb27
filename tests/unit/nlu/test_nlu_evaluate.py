"""Held-out evaluation: the split is stratified and fixed; every language reaches 95% intent accuracy."""

from __future__ import annotations

from collections import Counter

import pytest

from nlu.evaluate import EvalReport, split_examples
from nlu.intents import LANGUAGES
from nlu.training_data import load_training_data

TARGET = 0.95


def test_split_is_stratified_and_deterministic() -> None:
    examples = load_training_data()
    train_a, test_a = split_examples(examples, 0.2, 42)
    train_b, test_b = split_examples(examples, 0.2, 42)
    assert (train_a, test_a) == (train_b, test_b)
    assert len(train_a) + len(test_a) == len(examples)
    groups = Counter((e.language, e.intent) for e in examples)
    held = Counter((e.language, e.intent) for e in test_a)
    assert set(held) == set(groups)
    assert all(abs(held[key] - 0.2 * groups[key]) <= 1 for key in groups)
    assert split_examples(examples, 0.2, 7)[1] != test_a


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_intent_accuracy(nlu_eval_report: EvalReport, language: str) -> None:
    score = next(s for s in nlu_eval_report.languages if s.language == language)
    assert score.accuracy >= TARGET, nlu_eval_report.confusions
    assert score.total >= 150


def test_report_lists_confusions_most_frequent_first(nlu_eval_report: EvalReport) -> None:
    counts = [c.count for c in nlu_eval_report.confusions]
    assert counts == sorted(counts, reverse=True)
    assert all(c.expected != c.predicted and c.examples for c in nlu_eval_report.confusions)
    assert nlu_eval_report.below(TARGET) == ()
    assert nlu_eval_report.below(1.01) == LANGUAGES
