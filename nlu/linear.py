"""A fitted tf-idf + linear model compiled to plain arrays: microsecond scoring, pickle-free storage."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nlu.features import ANALYZERS

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class FeatureBlock:
    """One tf-idf vectorizer: analyzer, vocabulary (local index per n-gram), idf, weight, column offset."""

    analyzer: str
    vocabulary: dict[str, int]
    idf: FloatArray
    weight: float
    offset: int


@dataclass(frozen=True, slots=True)
class Scored:
    """Class probabilities for one text, plus the share of its 3-5 character n-grams the model knows.

    Gibberish scores near 0 on coverage whatever its probabilities say, so coverage gates confidence.
    """

    probabilities: FloatArray
    coverage: float


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """Softmax over ``features @ coef + intercept``, features computed exactly as sklearn's tf-idf."""

    labels: tuple[str, ...]
    blocks: tuple[FeatureBlock, ...]
    coef: FloatArray  # (n_features, n_classes): rows gathered per present feature
    intercept: FloatArray  # (n_classes,)

    def score(self, normalized: str) -> Scored:
        """Probabilities for an already-normalised text; coverage is from the first block."""
        columns: list[int] = []
        values: list[float] = []
        coverage = 0.0
        for position, block in enumerate(self.blocks):
            grams = ANALYZERS[block.analyzer](normalized)
            counts = Counter(g for g in grams if g in block.vocabulary)
            if position == 0:
                long_grams = sum(1 for g in grams if len(g) >= 3)
                known_long = sum(c for g, c in counts.items() if len(g) >= 3)
                coverage = known_long / long_grams if long_grams else 0.0
            if not counts:
                continue
            local = [block.vocabulary[g] for g in counts]
            idf = block.idf
            vals = [(1.0 + math.log(c)) * float(idf[i]) for i, c in zip(local, counts.values(), strict=True)]
            norm = math.sqrt(sum(v * v for v in vals))
            scale = block.weight / norm
            columns.extend(i + block.offset for i in local)
            values.extend(v * scale for v in vals)
        logits = self.intercept.copy()
        if columns:
            logits += np.asarray(values) @ self.coef[columns]
        logits -= logits.max()
        exp = np.exp(logits)
        return Scored(probabilities=exp / exp.sum(), coverage=coverage)

    def save(self, path: Path) -> None:
        """Write one ``.npz`` (no pickle): vocabularies as string arrays ordered by column."""
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "labels": np.asarray(self.labels, dtype=str),
            "coef": self.coef,
            "intercept": self.intercept,
            "analyzers": np.asarray([b.analyzer for b in self.blocks], dtype=str),
            "weights": np.asarray([b.weight for b in self.blocks], dtype=np.float64),
            "offsets": np.asarray([b.offset for b in self.blocks], dtype=np.int64),
        }
        for i, block in enumerate(self.blocks):
            ordered = sorted(block.vocabulary.items(), key=lambda item: item[1])
            arrays[f"vocab_{i}"] = np.asarray([g for g, _ in ordered], dtype=str)
            arrays[f"cols_{i}"] = np.asarray([c for _, c in ordered], dtype=np.int64)
            arrays[f"idf_{i}"] = block.idf
        with path.open("wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        with np.load(path, allow_pickle=False) as data:
            analyzers = [str(a) for a in data["analyzers"]]
            weights = data["weights"].tolist()
            offsets = data["offsets"].tolist()
            blocks = tuple(
                FeatureBlock(
                    analyzer=analyzers[i],
                    vocabulary=dict(
                        zip(data[f"vocab_{i}"].tolist(), data[f"cols_{i}"].tolist(), strict=True)
                    ),
                    idf=np.asarray(data[f"idf_{i}"], dtype=np.float64),
                    weight=float(weights[i]),
                    offset=int(offsets[i]),
                )
                for i in range(len(analyzers))
            )
            return cls(
                labels=tuple(str(label) for label in data["labels"]),
                blocks=blocks,
                coef=np.asarray(data["coef"], dtype=np.float64),
                intercept=np.asarray(data["intercept"], dtype=np.float64),
            )
