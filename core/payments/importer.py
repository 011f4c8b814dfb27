"""Import SMS exports from a collection phone: 'SMS Backup & Restore' XML or a CSV, in chunks.

The same inbox rules apply as for the live forwarder: stored first, duplicates recognised and counted.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET  # noqa: S405 - stdlib parser: no external entities; expat guards expansion
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.db.database import Database
from core.errors import InvalidInput
from core.payments.inbox import IncomingSms, store_messages

KIGALI = ZoneInfo("Africa/Kigali")
CHUNK = 500
Progress = Callable[[int, int], None]
Reconcile = Callable[[int, list[int]], Awaitable[dict[str, int]]]


@dataclass(slots=True)
class ImportSummary:
    read: int = 0
    new: int = 0
    duplicate: int = 0
    pending: int = 0
    ignored: int = 0
    unparsed: int = 0
    matched: int = 0
    unmatched: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def read_export(path: Path) -> list[IncomingSms]:
    """Inbox messages from an XML backup (type 1 = received) or a CSV with a header row."""
    text_head = path.read_bytes()[:200].lstrip()
    if text_head.startswith(b"<"):
        return list(_read_xml(path))
    return list(_read_csv(path))


def _read_xml(path: Path) -> Iterator[IncomingSms]:
    for _, elem in ET.iterparse(path, events=("end",)):  # noqa: S314 - see import note
        if elem.tag == "sms" and elem.get("type", "1") == "1":
            body, sender, date = elem.get("body"), elem.get("address"), elem.get("date")
            if body and sender and date and date.isdecimal():
                yield IncomingSms(sender, body, datetime.fromtimestamp(int(date) / 1000, UTC))
        elem.clear()


def _read_csv(path: Path) -> Iterator[IncomingSms]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = {f.lower().strip(): f for f in reader.fieldnames or []}
        sender_col = fields.get("sender") or fields.get("address") or fields.get("from")
        body_col = fields.get("body") or fields.get("message") or fields.get("text")
        date_col = fields.get("received_at") or fields.get("date") or fields.get("time")
        if not (sender_col and body_col and date_col):
            raise InvalidInput("the CSV needs columns sender (or address), body and received_at (or date)")
        for line, row in enumerate(reader, start=2):
            yield IncomingSms(row[sender_col], row[body_col], _csv_time(row[date_col], line))


def _csv_time(value: str, line: int) -> datetime:
    value = value.strip()
    if value.isdecimal():  # epoch milliseconds (Android) or seconds
        number = int(value)
        return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"line {line}: cannot read the date {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KIGALI)


async def import_file(
    db: Database,
    organization_id: int,
    path: str | Path,
    *,
    progress: Progress | None = None,
    reconcile: Reconcile | None = None,
) -> ImportSummary:
    """Store every message of the export; with `reconcile`, also allocate the new pending payments."""
    messages = read_export(Path(path))
    summary = ImportSummary(read=len(messages))
    for start in range(0, len(messages), CHUNK):
        chunk = messages[start : start + CHUNK]
        async with db.tenant(organization_id) as session:
            stored = await store_messages(
                session, organization_id=organization_id, messages=chunk, source="import"
            )
        pending_ids = []
        for s in stored:
            if s.id is None or s.status == "duplicate":
                summary.duplicate += 1
                continue
            summary.new += 1
            if s.status == "pending":
                summary.pending += 1
                pending_ids.append(s.id)
            elif s.status == "ignored":
                summary.ignored += 1
            elif s.status == "unparsed":
                summary.unparsed += 1
        if reconcile is not None and pending_ids:
            outcome = await reconcile(organization_id, pending_ids)
            summary.matched += outcome.get("allocated", 0)
            summary.unmatched += outcome.get("exception", 0)
        if progress is not None:
            progress(min(start + CHUNK, len(messages)), len(messages))
    return summary
