"""Statements and transactions per USSD hop through the real conversation router (dial, then "My savings").

    python bench/ussd_statements.py [--show]

On a scratch database (dropped afterwards) and the local Redis: counts what reaches PostgreSQL per hop,
both through SQLAlchemy and straight through the bare asyncpg pool (the router's hot path: one statement
per transaction, no BEGIN/COMMIT), BEGIN/COMMIT separately.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def run(show: bool) -> None:
    from sqlalchemy import event

    from bench.ussd import seed
    from core.db.migrate import upgrade
    from tests.support.native_statements import log_native_statements
    from tests.support.servers import create_database, drop_database, postgres_server_url, redis_server_url

    server = postgres_server_url()
    url, name = await create_database(server, prefix="bench_stmts")
    try:
        await upgrade(url)
        phones = await seed(url, 3)
        os.environ.update({"DATABASE_URL": url, "REDIS_URL": redis_server_url(), "IBIMINA_ENV": "development",
                           "WHATSAPP_VERIFY_TOKEN": "bench", "WHATSAPP_APP_SECRET": "bench",
                           "PUBLIC_BASE_URL": "http://127.0.0.1", "IBIMINA_DATA_DIR": "/tmp/ibimina-bench"})  # fmt: skip
        from bot.router import make_handler
        from bot.runtime import open_runtime
        from core.settings import load_settings
        from ussd.engine import UssdEngine, UssdHop
        from ussd.session import RedisSessionStore

        runtime = await open_runtime(load_settings(_env_file=None))
        seen: list[str] = []

        def note(query: str) -> None:
            seen.append(" ".join(query.split())[:100])

        def logged(record: Any) -> None:
            note(record.query)

        def checkout(dbapi_connection: Any, *args: object) -> None:
            dbapi_connection.driver_connection.add_query_logger(logged)  # a set: added once per connection

        event.listen(runtime.db.engine.sync_engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: note(statement))  # fmt: skip
        event.listen(runtime.db.engine.sync_engine.pool, "checkout", checkout)
        def autocommit(record: Any) -> None:  # each statement there is a transaction of its own
            note("AUTOCOMMIT " + record.query)

        log_native_statements(runtime.db, autocommit)
        engine = UssdEngine(make_handler(runtime), RedisSessionStore(runtime.redis_wire), budget=30)
        for round_ in range(3):  # the first round creates the conversation
            session_id = f"count-{secrets.token_hex(4)}"
            per_hop = []
            for text in ("", "1"):
                seen.clear()
                await engine.hop(UssdHop(session_id, phones[0], text))
                per_hop.append(list(seen))
            if round_ == 2:
                for label, queries in zip(("dial", "balance"), per_hop, strict=True):
                    tx = sum(q.startswith(("BEGIN", "AUTOCOMMIT")) for q in queries)
                    statements = [q.removeprefix("AUTOCOMMIT ") for q in queries if not q.startswith(("BEGIN", "COMMIT"))]
                    print(f"{label:<8} {len(statements):3d} statements in {tx} transactions")
                    if show:
                        print("\n".join("    " + q for q in statements))
        await runtime.close()
    finally:
        await drop_database(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="list the statements")
    asyncio.run(run(parser.parse_args().show))


if __name__ == "__main__":
    main()
