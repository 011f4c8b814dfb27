"""Choosing and sharing a backend: ``make_backend`` by configuration, ``load_default`` as a singleton."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

from nlu.cache import DEFAULT_CACHE_DIR, load_or_train
from nlu.local_backend import DEFAULT_THRESHOLD, LocalNluBackend
from nlu.training_data import DATA_DIR
from nlu.types import NluBackend

BackendKind = Literal["local", "rasa"]

_default: LocalNluBackend | None = None
_default_lock = threading.Lock()


def load_local(
    *,
    threshold: float = DEFAULT_THRESHOLD,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    data_dir: Path = DATA_DIR,
) -> LocalNluBackend:
    """A fresh local backend (trains on first use for this data, then loads from the cache)."""
    return LocalNluBackend(load_or_train(data_dir, cache_dir), threshold=threshold)


def load_default(cache_dir: Path | None = DEFAULT_CACHE_DIR) -> LocalNluBackend:
    """The process-wide local backend, built on first call; later calls return the same object."""
    global _default
    with _default_lock:
        if _default is None:
            _default = load_local(cache_dir=cache_dir)
        return _default


def detect_language(text: str, language_hint: str | None = None) -> tuple[str, float]:
    """("rw" | "en" | "fr", probability) using the default backend's language model."""
    return load_default().detect_language(text, language_hint)


def make_backend(
    kind: BackendKind | str = "local",
    rasa_url: str | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    rasa_timeout: float = 5.0,
    rasa_fallback_to_local: bool = True,
) -> NluBackend:
    """The backend the configuration names. ``rasa`` needs ``rasa_url``; by default it falls back to
    the local backend when the server cannot be reached, and borrows its language detection.

    Raises ValueError for an unknown kind or a missing URL.
    """
    if kind == "local":
        return load_local(threshold=threshold, cache_dir=cache_dir)
    if kind == "rasa":
        if not rasa_url:
            raise ValueError("the rasa NLU backend needs rasa_url (e.g. http://localhost:5005)")
        from nlu.rasa_backend import RasaNluBackend

        local = load_local(threshold=threshold, cache_dir=cache_dir) if rasa_fallback_to_local else None
        return RasaNluBackend(rasa_url, threshold=threshold, timeout=rasa_timeout, fallback=local)
    raise ValueError(f"unknown NLU backend kind {kind!r}: expected 'local' or 'rasa'")
