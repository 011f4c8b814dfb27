"""NLU latency: per-message parse time of the local backend vs scikit-learn's own predict (same run)."""

from __future__ import annotations

import statistics
import time

from nlu.local_backend import LocalNluBackend
from nlu.normalize import normalize
from nlu.train import INTENT_BLOCKS, INTENT_C, train
from nlu.training_data import load_training_data


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    examples = load_training_data()
    started = time.perf_counter()
    models = train(examples)
    training_s = time.perf_counter() - started
    backend = LocalNluBackend(models)
    texts = [e.text for e in examples]

    for text in texts[:200]:  # warm caches
        backend.parse(text)
    ours: list[float] = []
    ours_cpu: list[float] = []  # thread CPU time: what the parse costs, without waits for a busy CPU
    for text in texts:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        backend.parse(text)
        ours.append((time.perf_counter_ns() - t0) / 1000)
        ours_cpu.append((time.thread_time_ns() - c0) / 1000)

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion
    from threadpoolctl import threadpool_limits

    from nlu.features import ANALYZERS

    union = FeatureUnion(
        [(n, TfidfVectorizer(analyzer=ANALYZERS[n], sublinear_tf=True)) for n, _ in INTENT_BLOCKS],
        transformer_weights=dict(INTENT_BLOCKS),
    )
    normalized = [normalize(t) for t in texts]
    with threadpool_limits(limits=1):
        classifier = LogisticRegression(C=INTENT_C, solver="newton-cg", max_iter=500)
        classifier.fit(union.fit_transform(normalized), [e.intent for e in examples])
    reference: list[float] = []
    for text in texts[::8]:
        t0 = time.perf_counter_ns()
        classifier.predict_proba(union.transform([normalize(text)]))
        reference.append((time.perf_counter_ns() - t0) / 1000)

    ours_median, ref_median = statistics.median(ours), statistics.median(reference)
    print(f"training (both models, {len(examples)} examples): {training_s:.2f} s")
    print(
        f"local backend parse, {len(ours)} messages: median {ours_median:.0f} us, "
        f"p99 {percentile(ours, 0.99):.0f} us, max {max(ours):.0f} us"
    )
    print(
        f"  same, thread CPU time: median {statistics.median(ours_cpu):.0f} us, "
        f"p99 {percentile(ours_cpu, 0.99):.0f} us, max {max(ours_cpu):.0f} us"
    )
    print(
        f"reference sklearn predict_proba (intent only), {len(reference)} messages: median {ref_median:.0f} us, "
        f"p99 {percentile(reference, 0.99):.0f} us"
    )
    print(f"ratio reference/ours (median): {ref_median / ours_median:.1f}x")


if __name__ == "__main__":
    main()
