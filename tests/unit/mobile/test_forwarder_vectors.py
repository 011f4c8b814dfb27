"""The committed forwarder vectors are what the server's signing function produces (the JS test reads them)."""

from __future__ import annotations

import json

from core.payments.devices import sign
from mobile.tools.forwarder_vectors import VECTORS, render


def test_vectors_file_is_current() -> None:
    assert VECTORS.read_text(encoding="utf-8") == render(), "run: python mobile/tools/forwarder_vectors.py"


def test_every_vector_is_the_servers_signature() -> None:
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    assert len(vectors) >= 5
    for v in vectors:
        assert sign(v["secret"], v["timestamp"], v["body"].encode("utf-8")) == v["signature"], v["name"]
        if "messages" in v:
            assert json.dumps({"messages": v["messages"]}, ensure_ascii=False, separators=(",", ":")) == v["body"]
