"""Runs the JavaScript unit tests (node's built-in runner) as part of the Python suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

MOBILE = Path(__file__).resolve().parents[3] / "mobile"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_unit_tests_pass() -> None:
    tests = sorted(str(p) for p in (MOBILE / "forwarder" / "test").glob("*.test.mjs"))
    assert tests
    done = subprocess.run(
        ["node", "--test", *tests], capture_output=True, text=True, timeout=120, cwd=MOBILE
    )
    summary = "\n".join(line for line in done.stdout.splitlines() if line.startswith("# "))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in summary and "# pass " in summary


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_every_pwa_module_parses() -> None:
    files = sorted((MOBILE / "pwa").rglob("*.js"))
    for path in files:
        done = subprocess.run(
            ["node", "--experimental-default-type=module", "--check", str(path)],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, (path, done.stderr)
