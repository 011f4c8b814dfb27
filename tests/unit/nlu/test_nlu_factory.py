"""Backends chosen by configuration; the default backend is a singleton."""

from __future__ import annotations

from pathlib import Path

import pytest

import nlu
import nlu.factory
from nlu.local_backend import LocalNluBackend
from nlu.rasa_backend import RasaNluBackend
from nlu.train import TrainedModels


def test_make_local_backend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, nlu_models: TrainedModels
) -> None:
    monkeypatch.setattr(nlu.factory, "load_or_train", lambda data_dir, cache_dir: nlu_models)
    backend = nlu.make_backend("local", cache_dir=tmp_path, threshold=0.6)
    assert isinstance(backend, LocalNluBackend) and isinstance(backend, nlu.NluBackend)
    assert backend.threshold == 0.6


def test_make_rasa_backend_with_local_fallback(
    monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels
) -> None:
    monkeypatch.setattr(nlu.factory, "load_or_train", lambda data_dir, cache_dir: nlu_models)
    backend = nlu.make_backend("rasa", "http://localhost:5005")
    assert isinstance(backend, RasaNluBackend)
    assert backend.endpoint == "http://localhost:5005/model/parse"
    assert isinstance(backend.fallback, LocalNluBackend)
    bare = nlu.make_backend("rasa", "http://localhost:5005/", rasa_fallback_to_local=False)
    assert isinstance(bare, RasaNluBackend) and bare.fallback is None


@pytest.mark.parametrize(("kind", "url", "message"), [("rasa", None, "rasa_url"), ("spacy", None, "unknown")])
def test_bad_configuration(kind: str, url: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nlu.make_backend(kind, url)


def test_load_default_is_a_singleton(monkeypatch: pytest.MonkeyPatch, nlu_models: TrainedModels) -> None:
    monkeypatch.setattr(nlu.factory, "_default", None)
    calls: list[Path | None] = []

    def fake_load(data_dir: Path, cache_dir: Path | None) -> TrainedModels:
        calls.append(cache_dir)
        return nlu_models

    monkeypatch.setattr(nlu.factory, "load_or_train", fake_load)
    first = nlu.load_default(cache_dir=None)
    assert nlu.load_default() is first
    assert calls == [None]
    assert first.parse("murakoze").intent == "thanks"
