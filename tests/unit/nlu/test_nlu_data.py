"""The training files are valid Rasa NLU YAML with enough, unambiguous examples per intent and language."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from nlu.entities import extract_entities
from nlu.intents import LANGUAGES, TRAINED_INTENTS
from nlu.normalize import normalize
from nlu.training_data import (
    DATA_DIR,
    Example,
    TrainingDataError,
    data_files,
    load_file,
    load_training_data,
    parse_annotated,
)

MIN_EXAMPLES = 25


@pytest.fixture(scope="module")
def examples() -> tuple[Example, ...]:
    return load_training_data()


def test_every_language_has_a_data_folder() -> None:
    assert {p.parent.name for p in data_files()} == set(LANGUAGES)


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.relative_to(DATA_DIR).as_posix())
def test_file_is_rasa_nlu_yaml(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["version"] == "3.1"
    assert isinstance(document["nlu"], list)
    for item in document["nlu"]:
        assert set(item) == {"intent", "examples"}
        assert item["intent"] in TRAINED_INTENTS
        lines = [line for line in item["examples"].splitlines() if line.strip()]
        assert lines and all(line.startswith("- ") for line in lines)


def test_every_intent_has_enough_examples_in_every_language(examples: tuple[Example, ...]) -> None:
    counts = Counter((e.language, e.intent) for e in examples)
    short = {
        (lang, intent): counts[(lang, intent)]
        for lang in LANGUAGES
        for intent in TRAINED_INTENTS
        if counts[(lang, intent)] < MIN_EXAMPLES
    }
    assert not short


def test_no_example_belongs_to_two_intents(examples: tuple[Example, ...]) -> None:
    """Compared after normalisation, across languages too: one text, one meaning."""
    intents: dict[str, set[str]] = defaultdict(set)
    for example in examples:
        intents[normalize(example.text)].add(example.intent)
    assert {text: names for text, names in intents.items() if len(names) > 1} == {}


def test_annotated_entities_are_found_by_the_extractor(examples: tuple[Example, ...]) -> None:
    """The data and the rule-based extractor agree on every annotated span (and value, when numeric)."""
    mismatches = []
    for example in examples:
        found = {(e.entity, e.start, e.end): e.value for e in extract_entities(example.text)}
        for annotated in example.entities:
            key = (annotated.entity, annotated.start, annotated.end)
            if key not in found or (isinstance(annotated.value, int) and found[key] != annotated.value):
                mismatches.append((example.text, annotated, found))
    assert mismatches == []


def test_parse_annotated_strips_marks_and_keeps_offsets() -> None:
    text, entities = parse_annotated(
        'nshaka [5000](amount) mu [amezi atandatu]{"entity": "term_months", "value": "6"}'
    )
    assert text == "nshaka 5000 mu amezi atandatu"
    assert [(e.entity, e.value, text[e.start : e.end]) for e in entities] == [
        ("amount", 5000, "5000"),
        ("term_months", 6, "amezi atandatu"),
    ]


def test_malformed_file_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "nlu.yml"
    bad.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    hello\n', encoding="utf-8")
    with pytest.raises(TrainingDataError, match="must start with"):
        load_file(bad, "en")
    bad.write_text("just: text\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="'nlu' list"):
        load_file(bad, "en")
