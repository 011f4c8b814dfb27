"""libpq DSNs for tools, from our asyncpg URLs."""

from urllib.parse import parse_qs, urlsplit

from core.db.urls import libpq_dsn, normalise_database_url


def test_round_trip_to_a_libpq_dsn_keeps_socket_hosts() -> None:
    url = normalise_database_url("postgresql://postgres:@/ibimina?host=/tmp/sock")
    assert url.startswith("postgresql+asyncpg://")
    dsn = urlsplit(libpq_dsn(url))
    assert (dsn.scheme, dsn.path) == ("postgresql", "/ibimina")
    assert parse_qs(dsn.query) == {"host": ["/tmp/sock"]}


def test_sslmode_survives_the_round_trip_in_libpqs_spelling() -> None:
    url = normalise_database_url("postgres://app@db.example/ibimina?sslmode=require")
    assert "ssl=require" in url  # what asyncpg under SQLAlchemy takes
    assert parse_qs(urlsplit(libpq_dsn(url)).query) == {"sslmode": ["require"]}  # what libpq and asyncpg pools take
