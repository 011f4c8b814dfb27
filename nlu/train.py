"""Fits the intent and language models with scikit-learn, then compiles them to plain arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlu.features import ANALYZERS
from nlu.linear import FeatureBlock, LinearTextModel
from nlu.normalize import normalize
from nlu.training_data import Example

# (analyzer, weight) per feature block; changing these changes the cache key (this file is hashed).
INTENT_BLOCKS: tuple[tuple[str, float], ...] = (("char", 1.0), ("word", 0.7))
LANGUAGE_BLOCKS: tuple[tuple[str, float], ...] = (("lang_char", 1.0),)
INTENT_C = 100.0
LANGUAGE_C = 3.0


@dataclass(frozen=True, slots=True)
class TrainedModels:
    """What one local backend needs: both models, and the training texts whose intent is certain."""

    intent: LinearTextModel
    language: LinearTextModel
    memory: dict[str, str]  # normalised example -> intent, for examples with one intent only


def exact_memory(examples: Sequence[Example]) -> dict[str, str]:
    """Normalised training texts that map to exactly one intent: "if it is in nlu.yml, it parses"."""
    seen: dict[str, set[str]] = {}
    for example in examples:
        seen.setdefault(normalize(example.text), set()).add(example.intent)
    return {text: next(iter(intents)) for text, intents in seen.items() if len(intents) == 1 and text}


def fit_linear(
    texts: Sequence[str], labels: Sequence[str], blocks: Sequence[tuple[str, float]], c: float
) -> LinearTextModel:
    """Fit tf-idf blocks + multinomial logistic regression on normalised texts; compile the result."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion
    from threadpoolctl import threadpool_limits

    union = FeatureUnion(
        [(name, TfidfVectorizer(analyzer=ANALYZERS[name], sublinear_tf=True)) for name, _ in blocks],
        transformer_weights={name: weight for name, weight in blocks},
    )
    features = union.fit_transform(list(texts))
    classifier = LogisticRegression(C=c, solver="newton-cg", max_iter=500)
    with threadpool_limits(limits=1):  # BLAS threads only add overhead on these small sparse problems
        classifier.fit(features, list(labels))

    compiled: list[FeatureBlock] = []
    offset = 0
    for (name, weight), (_, vectorizer) in zip(blocks, union.transformer_list, strict=True):
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        compiled.append(
            FeatureBlock(
                analyzer=name,
                vocabulary=vocabulary,
                idf=np.asarray(vectorizer.idf_, dtype=np.float64),
                weight=weight,
                offset=offset,
            )
        )
        offset += len(vocabulary)
    coef = np.asarray(classifier.coef_, dtype=np.float64).T
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if coef.shape[1] == 1:  # binary: sigmoid(s) == softmax([0, s])
        coef = np.hstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([np.zeros(1), intercept])
    return LinearTextModel(
        labels=tuple(str(label) for label in classifier.classes_),
        blocks=tuple(compiled),
        coef=np.ascontiguousarray(coef),
        intercept=intercept,
    )


def train(examples: Sequence[Example]) -> TrainedModels:
    """Both models from the same examples: intents across languages, and the languages themselves."""
    texts = [normalize(e.text) for e in examples]
    intent = fit_linear(texts, [e.intent for e in examples], INTENT_BLOCKS, INTENT_C)
    language = fit_linear(texts, [e.language for e in examples], LANGUAGE_BLOCKS, LANGUAGE_C)
    return TrainedModels(intent=intent, language=language, memory=exact_memory(examples))
