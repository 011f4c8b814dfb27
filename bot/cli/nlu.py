"""`ibimina nlu parse` (utterances on stdin -> JSON lines) and `ibimina nlu-eval` (held-out accuracy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click

from nlu.cache import DEFAULT_CACHE_DIR
from nlu.evaluate import DEFAULT_SEED, DEFAULT_TEST_FRACTION, evaluate
from nlu.factory import make_backend
from nlu.local_backend import DEFAULT_THRESHOLD
from nlu.types import ParseResult


def result_to_json(text: str, result: ParseResult) -> dict[str, object]:
    return {
        "text": text,
        "intent": result.intent,
        "confidence": result.confidence,
        "language": result.language,
        "entities": [
            {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end} for e in result.entities
        ],
        "ranking": [[name, score] for name, score in result.ranking],
    }


@click.group("nlu")
def nlu() -> None:
    """Natural-language understanding tools."""


@nlu.command("parse")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--lang", type=click.Choice(["rw", "en", "fr"]), default=None, help="Language hint.")
@click.option("--backend", type=click.Choice(["local", "rasa"]), default="local", show_default=True)
@click.option(
    "--rasa-url", default=None, help="Rasa server, e.g. http://localhost:5005 (with --backend rasa)."
)
@click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CACHE_DIR,
    show_default=True,
    help="Where the trained model is kept between runs.",
)
def parse(
    source: TextIO, lang: str | None, backend: str, rasa_url: str | None, threshold: float, cache_dir: Path
) -> None:
    """Parse utterances read from SOURCE (default: stdin), one per line; print one JSON object each."""
    try:
        parser = make_backend(backend, rasa_url, threshold=threshold, cache_dir=cache_dir)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    for raw in source:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        result = parser.parse(line, lang)
        click.echo(json.dumps(result_to_json(line, result), ensure_ascii=False))


@click.command("nlu-eval")
@click.option("--min-accuracy", type=float, default=0.95, show_default=True)
@click.option("--test-fraction", type=float, default=DEFAULT_TEST_FRACTION, show_default=True)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True)
@click.option("--confusions", "top_confusions", type=int, default=15, show_default=True)
def nlu_eval(
    min_accuracy: float, test_fraction: float, seed: int, threshold: float, top_confusions: int
) -> None:
    """Train on the training data less a stratified held-out share; report accuracy per language.

    Exits 1 when any language's intent accuracy is below --min-accuracy.
    """
    report = evaluate(
        test_fraction=test_fraction, seed=seed, threshold=threshold, top_confusions=top_confusions
    )
    click.echo(
        f"held-out {report.test_size} of {report.train_size + report.test_size} utterances "
        f"(seed {report.seed}, threshold {report.threshold})"
    )
    click.echo(f"{'lang':<5}{'accuracy':>10}{'argmax':>9}{'fallback':>10}{'lang-id':>9}{'n':>6}")
    for s in report.languages:
        click.echo(
            f"{s.language:<5}{s.accuracy:>10.3f}{s.classifier_accuracy:>9.3f}"
            f"{s.fallback_rate:>10.3f}{s.language_id_accuracy:>9.3f}{s.total:>6}"
        )
    if report.confusions:
        click.echo("top confusions (language: expected -> predicted  count  examples):")
        for c in report.confusions:
            examples = "; ".join(c.examples)
            click.echo(f"  {c.language}: {c.expected} -> {c.predicted}  {c.count}  [{examples}]")
    failing = report.below(min_accuracy)
    if failing:
        click.echo(f"FAIL: below {min_accuracy:.2f} in {', '.join(failing)}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: every language at or above {min_accuracy:.2f}")
