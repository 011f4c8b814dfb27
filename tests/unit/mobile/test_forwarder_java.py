"""The Android side's plain-Java Protocol signs and encodes exactly like the server and the JS (javac + java)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mobile.tools.forwarder_vectors import VECTORS

ANDROID = Path(__file__).resolve().parents[3] / "mobile" / "forwarder" / "android" / "src"
SOURCES = [
    ANDROID / "main/java/rw/ibimina/forwarder/Protocol.java",
    ANDROID / "test/java/rw/ibimina/forwarder/ProtocolVectors.java",
]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None, reason="no JDK")
def test_java_protocol_matches_the_vectors(tmp_path: Path) -> None:
    lines = []
    for v in json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]:
        messages = "-"
        if "messages" in v:
            messages = ";".join(
                ",".join(_b64(m[k]) for k in ("sender", "body", "received_at")) for m in v["messages"]
            )
        fields = [v["name"], v["secret"], v["timestamp"], v["body"], v["signature"]]
        lines.append("\t".join([*map(_b64, fields), messages]))
    data = tmp_path / "vectors.tsv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "classes"
    compiled = subprocess.run(
        ["javac", "-encoding", "UTF-8", "-d", str(out), *map(str, SOURCES)], capture_output=True, text=True, timeout=120
    )
    assert compiled.returncode == 0, compiled.stderr
    ran = subprocess.run(
        ["java", "-cp", str(out), "rw.ibimina.forwarder.ProtocolVectors", str(data)],
        capture_output=True, text=True, timeout=60,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "failures 0" in ran.stdout
