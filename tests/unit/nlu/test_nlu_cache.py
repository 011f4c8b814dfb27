"""Training is cached under a key of data + code, and a cached model loads without retraining."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nlu.cache
from nlu.cache import fingerprint, load_models, load_or_train, save_models
from nlu.normalize import normalize
from nlu.train import TrainedModels
from nlu.training_data import DATA_DIR


def _no_training(*_: object) -> TrainedModels:
    raise AssertionError("should have loaded from the cache")


def test_saved_models_load_identical(tmp_path: Path, nlu_models: TrainedModels) -> None:
    save_models(nlu_models, tmp_path / "m")
    loaded = load_models(tmp_path / "m")
    assert loaded.memory == nlu_models.memory
    assert loaded.intent.labels == nlu_models.intent.labels
    for text in ("nshaka kureba balance", "je veux un prêt", "zzz"):
        a = loaded.intent.score(normalize(text))
        b = nlu_models.intent.score(normalize(text))
        assert (a.probabilities == b.probabilities).all() and a.coverage == b.coverage


def test_second_load_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels
) -> None:
    calls: list[int] = []

    def fake_train(examples: object) -> TrainedModels:
        calls.append(1)
        return nlu_models

    monkeypatch.setattr(nlu.cache, "train", fake_train)
    first = load_or_train(cache_dir=tmp_path)
    assert calls == [1]
    monkeypatch.setattr(nlu.cache, "train", _no_training)
    second = load_or_train(cache_dir=tmp_path)
    assert second.memory == first.memory
    assert [p.name for p in tmp_path.iterdir()] == [fingerprint()[:24]]


def test_corrupt_cache_is_retrained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels
) -> None:
    directory = tmp_path / fingerprint()[:24]
    directory.mkdir()
    (directory / "intent.npz").write_bytes(b"not a zip")
    monkeypatch.setattr(nlu.cache, "train", lambda examples: nlu_models)
    assert load_or_train(cache_dir=tmp_path) is nlu_models
    assert load_models(directory).memory == nlu_models.memory


def test_stale_models_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels
) -> None:
    stale = tmp_path / ("0" * 24)
    stale.mkdir()
    (stale / "intent.npz").write_bytes(b"old")
    unrelated = tmp_path / "notes"
    unrelated.mkdir()
    monkeypatch.setattr(nlu.cache, "train", lambda examples: nlu_models)
    load_or_train(cache_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fingerprint()[:24], "notes"])


def test_fingerprint_follows_the_data(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    assert fingerprint(copy) == fingerprint(DATA_DIR)
    path = copy / "en" / "nlu.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert fingerprint(copy) != fingerprint(DATA_DIR)


def test_no_cache_dir_trains_in_memory(monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels) -> None:
    monkeypatch.setattr(nlu.cache, "train", lambda examples: nlu_models)
    assert load_or_train(cache_dir=None) is nlu_models
