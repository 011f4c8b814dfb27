"""Train once, then reuse: fitted models are stored under a key hashed from the data and the code."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from importlib import metadata
from pathlib import Path

import numpy as np

from nlu.linear import LinearTextModel
from nlu.train import TrainedModels, train
from nlu.training_data import DATA_DIR, data_files, load_training_data

log = logging.getLogger(__name__)

CACHE_FORMAT = "1"
KEY_LENGTH = 24
_KEY_RE = re.compile(rf"^[0-9a-f]{{{KEY_LENGTH}}}$")
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "ibimina" / "nlu"
# The modules whose source decides what a trained model is; editing any of them retrains.
_MODEL_SOURCES = ("normalize.py", "features.py", "lexicon.py", "linear.py", "train.py", "training_data.py")


def fingerprint(data_dir: Path = DATA_DIR) -> str:
    """sha256 over the training files, the model code and the scikit-learn version."""
    digest = hashlib.sha256(f"format={CACHE_FORMAT}\n".encode())
    digest.update(f"sklearn={metadata.version('scikit-learn')}\n".encode())
    here = Path(__file__).parent
    for name in _MODEL_SOURCES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for path in data_files(data_dir):
        digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _save_memory(memory: dict[str, str], path: Path) -> None:
    keys = sorted(memory)
    with path.open("wb") as fh:
        np.savez(
            fh,
            allow_pickle=False,
            texts=np.asarray(keys, dtype=str),
            intents=np.asarray([memory[k] for k in keys], dtype=str),
        )


def _load_memory(path: Path) -> dict[str, str]:
    with np.load(path, allow_pickle=False) as data:
        return dict(zip(data["texts"].tolist(), data["intents"].tolist(), strict=True))


def save_models(models: TrainedModels, directory: Path) -> None:
    """Write the three files atomically (temp name, then rename), so a reader never sees half."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp-{os.getpid()}"
    models.intent.save(directory / f"intent.npz{suffix}")
    models.language.save(directory / f"language.npz{suffix}")
    _save_memory(models.memory, directory / f"memory.npz{suffix}")
    for name in ("intent.npz", "language.npz", "memory.npz"):
        os.replace(directory / f"{name}{suffix}", directory / name)


def load_models(directory: Path) -> TrainedModels:
    """Raises OSError/ValueError/KeyError when the files are missing or unreadable."""
    return TrainedModels(
        intent=LinearTextModel.load(directory / "intent.npz"),
        language=LinearTextModel.load(directory / "language.npz"),
        memory=_load_memory(directory / "memory.npz"),
    )


def load_or_train(data_dir: Path = DATA_DIR, cache_dir: Path | None = DEFAULT_CACHE_DIR) -> TrainedModels:
    """Cached models for this data and code if present, else train (a few seconds) and store them.

    ``cache_dir=None`` trains in memory and stores nothing. A cache that cannot be written (read-only
    home, full disk) is not an error: the freshly trained models are still returned.
    """
    if cache_dir is None:
        return train(load_training_data(data_dir))
    directory = cache_dir / fingerprint(data_dir)[:KEY_LENGTH]
    try:
        return load_models(directory)
    except (OSError, ValueError, KeyError) as exc:
        log.info("nlu: no usable cached model in %s (%s); training", directory, exc)
    models = train(load_training_data(data_dir))
    try:
        save_models(models, directory)
    except OSError as exc:
        log.warning("nlu: could not cache the trained model in %s: %s", directory, exc)
    else:
        prune_stale(cache_dir, keep=directory.name)
    return models


def prune_stale(cache_dir: Path, keep: str) -> None:
    """Remove models cached for older data or code, so the cache does not grow with every edit."""
    for entry in cache_dir.iterdir():
        if entry.name != keep and entry.is_dir() and _KEY_RE.match(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
