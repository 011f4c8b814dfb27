"""Settings: URLs as users write them, production refusals that name the problem, redaction."""

from __future__ import annotations

import pytest

from core.settings import load_settings


def test_postgres_urls_as_users_write_them_are_normalised_for_asyncpg() -> None:
    s = load_settings(DATABASE_URL="postgres://u:p@db.example:5433/ibimina?sslmode=require", _env_file=None)
    assert s.database_url == "postgresql+asyncpg://u:p@db.example:5433/ibimina?ssl=require"
    s = load_settings(DATABASE_URL="postgresql://u@localhost/x", _env_file=None)
    assert s.database_url == "postgresql+asyncpg://u@localhost/x"


def test_non_postgres_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="only PostgreSQL"):
        load_settings(DATABASE_URL="mysql://u@h/db", _env_file=None)


def test_empty_database_url_means_the_embedded_default() -> None:
    assert load_settings(DATABASE_URL="", _env_file=None).database_url is None


def test_production_refuses_default_and_missing_secrets_and_names_them() -> None:
    problems = load_settings(IBIMINA_ENV="production", _env_file=None).production_problems()
    text = "\n".join(problems)
    for name in ("SECRET_KEY", "OTP_PEPPER", "PII_ENCRYPTION_KEYS", "DATABASE_URL", "PUBLIC_BASE_URL"):
        assert name in text


def test_production_accepts_real_secrets() -> None:
    strong = "x" * 40
    s = load_settings(
        IBIMINA_ENV="production",
        SECRET_KEY=strong,
        OTP_PEPPER=strong,
        PII_ENCRYPTION_KEYS=strong,
        DATABASE_URL="postgresql://u@db/ibimina",
        PUBLIC_BASE_URL="https://sacco.example",
        _env_file=None,
    )
    assert s.production_problems() == []
    assert s.cookies_secure


def test_redacted_settings_hide_secrets_and_passwords() -> None:
    s = load_settings(
        DATABASE_URL="postgresql://u:hunter2@db/x", SECRET_KEY="super-secret-value", _env_file=None
    )
    red = s.redacted()
    assert red["SECRET_KEY"] == "<set>"
    assert "hunter2" not in str(red) and "super-secret-value" not in str(red)
    assert red["DATABASE_URL"].startswith("postgresql+asyncpg://u:***@db/x")
