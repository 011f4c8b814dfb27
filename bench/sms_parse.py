"""Parse throughput of core.payments.sms on a mixed corpus, against one precompiled regex per message.

Run: python bench/sms_parse.py [--messages 100000]. Prints messages/s for both and the ratio
(our parser / the cheapest possible single-regex scan): how much a full, safe parse costs.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

from core.payments.sms import parse_sms

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sms"
PROMOS = ["", "", " Kanda *182*16# wiyandikishe muri poromosiyo ya BivaMoMotima.", " Dial *182*1*3# 0% *EN#"]
REFERENCE = re.compile(r"(\d[\d,]*) ?RWF")


def corpus(n: int) -> list[tuple[str, str]]:
    rows = [json.loads(line) for path in sorted(FIXTURES.glob("*.jsonl")) for line in path.open(encoding="utf-8")]
    rng = random.Random(5)

    def vary(body: str) -> str:  # fresh digits so no cache helps
        return "".join(str(rng.randrange(10)) if c.isdigit() and rng.random() < 0.2 else c for c in body) + rng.choice(
            PROMOS
        )

    return [(vary(r["body"]), r["sender"]) for r in (rng.choice(rows) for _ in range(n))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    n = ap.parse_args().messages
    msgs = corpus(n)
    t = time.perf_counter()
    parsed = sum(parse_sms(b, sender=s).parsed for b, s in msgs)
    ours = n / (time.perf_counter() - t)
    t = time.perf_counter()
    found = sum(REFERENCE.search(b) is not None for b, _ in msgs)
    ref = n / (time.perf_counter() - t)
    print(f"parse_sms: {ours:,.0f} msg/s ({parsed}/{n} parsed)")
    print(f"reference single regex: {ref:,.0f} msg/s ({found} hits)")
    print(f"ratio parse_sms/reference: {ours / ref:.3f}")


if __name__ == "__main__":
    main()
