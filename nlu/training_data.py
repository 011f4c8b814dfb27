"""Reads Rasa-format ``nlu.yml`` files (``version: "3.1"``) into plain examples with their entities."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.types import Entity

DATA_DIR = Path(__file__).parent / "data"

_ANNOTATION_RE = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


class TrainingDataError(ValueError):
    """A data file is not valid Rasa NLU YAML (the message names the file and the problem)."""


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance with annotations removed; entity offsets index ``text``."""

    text: str
    intent: str
    language: str
    entities: tuple[Entity, ...]


_NUMERIC_ENTITIES = frozenset({"amount", "term_months", "month", "year", "number"})


def _entity_value(name: str, raw: str) -> str | int:
    """Numbers stay numbers ("5000" -> 5000), but codes and phones stay text ("0012345")."""
    return int(raw) if name in _NUMERIC_ENTITIES and raw.isdecimal() else raw


def parse_annotated(line: str) -> tuple[str, tuple[Entity, ...]]:
    """Strip ``[text](entity)`` / ``[text]{"entity": e, "value": v}`` marks, keeping their spans."""
    parts: list[str] = []
    entities: list[Entity] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION_RE.finditer(line):
        before = line[cursor : match.start()]
        parts.append(before)
        length += len(before)
        span = match.group("text")
        if match.group("name") is not None:
            name, _, synonym = match.group("name").partition(":")
            value = _entity_value(name, synonym or span)
        else:
            spec = json.loads(match.group("json"))
            name = str(spec["entity"])
            value = _entity_value(name, str(spec.get("value", span)))
        entities.append(Entity(entity=name, value=value, start=length, end=length + len(span)))
        parts.append(span)
        length += len(span)
        cursor = match.end()
    parts.append(line[cursor:])
    return "".join(parts), tuple(entities)


def load_file(path: Path, language: str) -> list[Example]:
    """Examples of one file; raises TrainingDataError when the shape is not Rasa's."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if (
        not isinstance(document, dict)
        or "version" not in document
        or not isinstance(document.get("nlu"), list)
    ):
        raise TrainingDataError(f"{path}: expected a mapping with 'version' and an 'nlu' list")
    examples: list[Example] = []
    for item in document["nlu"]:
        if not isinstance(item, dict) or not isinstance(item.get("intent"), str):
            raise TrainingDataError(f"{path}: every nlu item needs an 'intent' name")
        block = item.get("examples")
        if not isinstance(block, str):
            raise TrainingDataError(f"{path}: intent {item['intent']!r} needs an 'examples: |' block")
        for raw in block.splitlines():
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise TrainingDataError(f"{path}: example line must start with '- ': {raw!r}")
            text, entities = parse_annotated(stripped[2:].strip())
            examples.append(Example(text=text, intent=item["intent"], language=language, entities=entities))
    return examples


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every ``*.yml`` under ``<data_dir>/<language>/``, in a stable order (it feeds the cache key)."""
    return sorted(p for p in data_dir.glob("*/*.yml") if p.is_file())


def load_training_data(data_dir: Path = DATA_DIR) -> tuple[Example, ...]:
    """All examples; the language of each is the name of its folder."""
    examples: list[Example] = []
    for path in data_files(data_dir):
        examples.extend(load_file(path, path.parent.name))
    return tuple(examples)
