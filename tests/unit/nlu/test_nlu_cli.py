"""`ibimina nlu parse` and `ibimina nlu-eval` through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.cli.nlu as cli
import nlu.factory
from nlu.evaluate import EvalReport
from nlu.train import TrainedModels


@pytest.fixture
def local_models(monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels) -> None:
    monkeypatch.setattr(nlu.factory, "load_or_train", lambda data_dir, cache_dir: nlu_models)


@pytest.mark.usefixtures("local_models")
def test_parse_prints_one_json_object_per_line(tmp_path: Path) -> None:
    stdin = "nshaka kureba balance\n\nndashaka loan ya 50k mu mezi 6\nSTOP\n"
    result = CliRunner().invoke(cli.nlu, ["parse", "--lang", "rw", "--cache-dir", str(tmp_path)], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["intent"] for r in rows] == ["check_balance", "apply_loan", "stop"]
    assert all(r["language"] == "rw" and 0 <= r["confidence"] <= 1 for r in rows)
    assert rows[1]["entities"] == [
        {"entity": "amount", "value": 50000, "start": 17, "end": 20},
        {"entity": "term_months", "value": 6, "start": 24, "end": 30},
    ]
    assert rows[1]["text"] == "ndashaka loan ya 50k mu mezi 6"


@pytest.mark.usefixtures("local_models")
def test_parse_without_hint_detects_language() -> None:
    result = CliRunner().invoke(cli.nlu, ["parse"], input="je voudrais voir mon solde\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["language"] == "fr"


def test_parse_rasa_needs_url() -> None:
    result = CliRunner().invoke(cli.nlu, ["parse", "--backend", "rasa"], input="hello\n")
    assert result.exit_code == 2
    assert "rasa_url" in result.output


@pytest.mark.parametrize(("minimum", "exit_code"), [("0.95", 0), ("1.01", 1)])
def test_nlu_eval(
    monkeypatch: pytest.MonkeyPatch, nlu_eval_report: EvalReport, minimum: str, exit_code: int
) -> None:
    monkeypatch.setattr(cli, "evaluate", lambda **kwargs: nlu_eval_report)
    result = CliRunner().invoke(cli.nlu_eval, ["--min-accuracy", minimum])
    assert result.exit_code == exit_code, result.output
    assert cli.nlu_eval.name == "nlu-eval"
    lines = result.output.splitlines()
    for language in ("rw", "en", "fr"):
        assert any(line.startswith(language) for line in lines)
    assert ("OK:" in result.output) == (exit_code == 0)
    if nlu_eval_report.confusions:
        assert "top confusions" in result.output
