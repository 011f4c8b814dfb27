"""An earlier revision's module, for a downgrade that puts back the function text that revision created.

A migration is a snapshot: a later one that replaces a function keeps no copy of the old text, it reads it
from the revision that wrote it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).with_name("versions")


def revision_module(filename: str) -> ModuleType:
    """Load `versions/<filename>` (revision files start with a digit, so they cannot be imported by name)."""
    spec = importlib.util.spec_from_file_location(f"revision_{Path(filename).stem}", VERSIONS / filename)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(VERSIONS / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
