"""Contribution periods: when this week's, fortnight's or month's contribution started, in the SACCO's time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.members.models import Frequency

KIGALI = ZoneInfo("Africa/Kigali")


def period_start(frequency: str, now: datetime, tz: ZoneInfo = KIGALI) -> datetime:
    """The start of the contribution period `now` falls in: Monday (weekly), every other Monday from a
    fixed epoch (biweekly), the 1st (monthly)."""
    local = now.astimezone(tz)
    day = local.date()
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
    else:
        start = day - timedelta(days=day.weekday())
        if frequency == Frequency.BIWEEKLY and (start.toordinal() // 7) % 2 == 1:
            start -= timedelta(days=7)
    return datetime.combine(start, time.min, tzinfo=tz)
