"""Signs of life: a worker writes a heartbeat; readiness reads the latest one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.db.database import Database
from core.ops.models import WorkerHeartbeat


async def heartbeat(db: Database, *, worker: str, source: str) -> int:
    """Record that `worker` reached the database; returns the heartbeat id."""
    async with db.system() as session:
        row = WorkerHeartbeat(worker=worker, source=source)
        session.add(row)
        await session.flush()
        return row.id


async def last_heartbeat(db: Database) -> datetime | None:
    async with db.system() as session:
        latest: datetime | None = (await session.execute(select(func.max(WorkerHeartbeat.at)))).scalar_one()
        return latest
