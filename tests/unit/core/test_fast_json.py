"""fast_json gives the same values as the standard library's json for JSON data, keys included, and takes
what orjson alone would refuse."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core import fast_json

scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text() | st.floats(
    allow_nan=False, allow_infinity=False
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@given(documents)
def test_values_round_trip_as_with_json(value: Any) -> None:
    assert fast_json.loads(fast_json.dumps(value)) == json.loads(json.dumps(value))
    assert fast_json.loads(json.dumps(value)) == json.loads(json.dumps(value))


@given(st.dictionaries(st.integers(-1000, 1000) | st.booleans() | st.none(), st.text(max_size=4), max_size=5))
def test_non_string_keys_become_strings_as_json_makes_them(value: dict[Any, str]) -> None:
    assert fast_json.loads(fast_json.dumps(value)) == json.loads(json.dumps(value))


def test_what_orjson_refuses_falls_back_to_json() -> None:
    huge = 2**70
    assert fast_json.loads(fast_json.dumps({"n": huge})) == {"n": huge}
    assert fast_json.loads('{"n": 1180591620717411303424}') == {"n": huge}
    assert fast_json.loads(b'[1, 2]') == [1, 2]
