"""A fitted tf-idf + linear model compiled to plain arrays: microsecond scoring, pickle-free storage."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
    # n-gram -> (global column, idf) as plain Python values: indexing numpy scalars per n-gram is slow
    lookup: dict[str, tuple[int, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        idf = self.idf.tolist()
        lookup = {gram: (index + self.offset, idf[index]) for gram, index in self.vocabulary.items()}
        object.__setattr__(self, "lookup", lookup)


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
            lookup = block.lookup
            counts: dict[str, int] = {}
            long_grams = known_long = 0
            for gram in ANALYZERS[block.analyzer](normalized):
                known = gram in lookup
                if known:
                    counts[gram] = counts.get(gram, 0) + 1
                if position == 0 and len(gram) >= 3:
                    long_grams += 1
                    known_long += known
            if position == 0:
                coverage = known_long / long_grams if long_grams else 0.0
            if not counts:
                continue
            block_values = []
            for gram, count in counts.items():
                column, idf = lookup[gram]
                columns.append(column)
                block_values.append((1.0 + math.log(count)) * idf)
            scale = block.weight / math.sqrt(sum(v * v for v in block_values))
            values.extend(v * scale for v in block_values)
        logits = self.intercept.copy()
        if columns:
            # multiply-and-sum rather than `@`: a BLAS call may wake worker threads, and on a busy
            # machine that costs milliseconds for a few hundred multiplications
            logits += (self.coef[columns] * np.asarray(values)[:, None]).sum(axis=0)
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
