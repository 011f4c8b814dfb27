"""Shared NLU fixtures: one model trained per session (a few seconds), one evaluation report."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.evaluate import EvalReport, evaluate
from nlu.local_backend import LocalNluBackend
from nlu.train import TrainedModels, train
from nlu.training_data import load_training_data


@pytest.fixture(scope="session")
def nlu_models() -> TrainedModels:
    return train(load_training_data())


@pytest.fixture(scope="session")
def nlu_backend(nlu_models: TrainedModels) -> LocalNluBackend:
    return LocalNluBackend(nlu_models)


@pytest.fixture(scope="session")
def nlu_eval_report() -> EvalReport:
    return evaluate()


@pytest.fixture(scope="session")
def nlu_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory the CLI tests share, so the model is trained for them once."""
    return tmp_path_factory.mktemp("nlu-cache")
