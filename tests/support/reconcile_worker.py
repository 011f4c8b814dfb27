"""A reconcile worker in its own process, for the concurrency and kill tests.

    python -m tests.support.reconcile_worker DATABASE_URL ORGANIZATION_ID BATCH_SIZE APPLICATION_NAME

It connects as the application role under its own application_name (so a test can watch its backend in
pg_stat_activity), reconciles everything it can claim, and prints the outcome as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from core.db.database import Database
from core.db.roles import APP_ROLE
from core.payments.reconcile import reconcile_messages


async def main(url: str, organization_id: int, batch_size: int, name: str) -> None:
    db = Database(url, app_role=APP_ROLE, pool_size=1)
    await db.engine.dispose()
    db.engine = create_async_engine(
        url, pool_size=1, connect_args={"server_settings": {"application_name": name, "role": APP_ROLE}}
    )
    db.sessions = async_sessionmaker(db.engine, expire_on_commit=False)
    try:
        outcome = await reconcile_messages(db, organization_id, batch_size=batch_size)
    finally:
        await db.dispose()
    print(json.dumps(outcome.as_dict()), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
