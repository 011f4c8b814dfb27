"""Database URLs as users write them (postgres://, postgresql://) normalised for SQLAlchemy + asyncpg."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url


def normalise_database_url(url: str) -> str:
    """Return a `postgresql+asyncpg://` URL; refuse anything that is not PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"only PostgreSQL is supported, got {parsed.get_backend_name()!r}")
    query = dict(parsed.query)
    # libpq spellings asyncpg does not take: sslmode=require -> ssl=require.
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    return parsed.set(drivername="postgresql+asyncpg", query=query).render_as_string(hide_password=False)


def sync_url(url: str) -> URL:
    """The same database for a synchronous driver-less use (psql-style strings in reports)."""
    return make_url(url).set(drivername="postgresql")


def libpq_dsn(url: str) -> str:
    """A libpq/asyncpg DSN (postgresql://...) for asyncpg's own pool and tools that do not speak SQLAlchemy
    URLs; `ssl` (the spelling normalise_database_url gives SQLAlchemy) goes back to libpq's `sslmode`."""
    parsed = sync_url(url)
    query = dict(parsed.query)
    if "ssl" in query:
        query["sslmode"] = query.pop("ssl")
    return parsed.set(query=query).render_as_string(hide_password=False)
