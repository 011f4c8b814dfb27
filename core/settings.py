"""Typed settings, read once from the environment (and an optional .env) at start-up and passed down."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.db.urls import normalise_database_url

DEV_SECRET_PREFIX = "dev-insecure-"  # noqa: S105 - a marker, not a secret


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting the service reads; nothing reads os.environ after this."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    env: Environment = Field(default=Environment.DEVELOPMENT, alias="IBIMINA_ENV")
    data_dir: Path = Field(default=Path(".ibimina"), alias="IBIMINA_DATA_DIR")

    # Persistence. No DATABASE_URL means: start the embedded PostgreSQL under data_dir.
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    migration_database_url: str | None = Field(default=None, alias="MIGRATION_DATABASE_URL")
    database_app_role: str = Field(default="ibimina_app", alias="DATABASE_APP_ROLE")
    database_pool_size: int = Field(default=10, alias="DATABASE_POOL_SIZE")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    celery_broker_url: str | None = Field(default=None, alias="CELERY_BROKER_URL")
    celery_queue: str = Field(default="ibimina", alias="CELERY_QUEUE")

    # Secrets. Development defaults carry DEV_SECRET_PREFIX so production refuses them.
    secret_key: SecretStr = Field(default=SecretStr(DEV_SECRET_PREFIX + "secret-key"), alias="SECRET_KEY")
    otp_pepper: SecretStr = Field(default=SecretStr(DEV_SECRET_PREFIX + "otp-pepper"), alias="OTP_PEPPER")
    pii_encryption_keys: SecretStr = Field(
        default=SecretStr(DEV_SECRET_PREFIX + "pii-key"), alias="PII_ENCRYPTION_KEYS"
    )
    sentry_dsn: str | None = Field(default=None, alias="SENTRY_DSN")

    # HTTP.
    public_base_url: str = Field(default="http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
    secure_cookies: bool | None = Field(default=None, alias="SECURE_COOKIES")
    # Reverse proxies (IPs/CIDRs, comma-separated) whose X-Forwarded-For is believed; empty: none is.
    trusted_proxies: str = Field(default="", alias="TRUSTED_PROXIES")

    # Channels (issue: channels). Unset inbound secrets make a webhook answer 503.
    whatsapp_verify_token: SecretStr | None = Field(default=None, alias="WHATSAPP_VERIFY_TOKEN")
    whatsapp_app_secret: SecretStr | None = Field(default=None, alias="WHATSAPP_APP_SECRET")
    whatsapp_access_token: SecretStr | None = Field(default=None, alias="WHATSAPP_ACCESS_TOKEN")
    whatsapp_phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str | None = Field(default=None, alias="TWILIO_FROM_NUMBER")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    # A local Bot API server (telegram-bot-api --local) or a test double; the token is appended.
    telegram_api_base_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL")
    ussd_service_code: str = Field(default="*384*1#", alias="USSD_SERVICE_CODE")
    # Africa's Talking does not sign USSD callbacks: the source address is the only check. IPs/CIDRs,
    # comma-separated; empty accepts every source.
    africastalking_allowed_ips: str = Field(default="", alias="AFRICASTALKING_ALLOWED_IPS")

    # NLU.
    nlu_backend: str = Field(default="local", alias="NLU_BACKEND")
    rasa_url: str | None = Field(default=None, alias="RASA_URL")

    conversation_idle_minutes: int = Field(default=30, alias="CONVERSATION_IDLE_MINUTES")

    @field_validator("database_url", "migration_database_url", mode="before")
    @classmethod
    def _normalise_url(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return normalise_database_url(value.strip())
        return None if value in ("", None) else value

    @field_validator("redis_url", "celery_broker_url", "sentry_dsn", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.public_base_url.startswith("https://")

    def production_problems(self) -> list[str]:
        """What stops this configuration from running in production (empty when none)."""
        problems: list[str] = []
        for name, alias in (
            ("secret_key", "SECRET_KEY"),
            ("otp_pepper", "OTP_PEPPER"),
            ("pii_encryption_keys", "PII_ENCRYPTION_KEYS"),
        ):
            value: SecretStr = getattr(self, name)
            raw = value.get_secret_value()
            if not raw or raw.startswith(DEV_SECRET_PREFIX):
                problems.append(f"{alias} is missing or still the development default")
            elif len(raw) < 32:
                problems.append(f"{alias} is shorter than 32 characters")
        if not self.database_url:
            problems.append("DATABASE_URL is not set (the embedded PostgreSQL is for demos only)")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be https:// in production")
        return problems

    def redacted(self) -> dict[str, Any]:
        """Effective settings for `ibimina check --json`, secrets shown only as set/unset."""
        out: dict[str, Any] = {}
        for name, field in type(self).model_fields.items():
            key = field.alias or name.upper()
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[key] = "<set>" if value.get_secret_value() else None
            elif key.endswith("_URL") and isinstance(value, str):
                out[key] = redact_url(value)
            else:
                out[key] = str(value) if isinstance(value, Path | StrEnum) else value
        return out


def redact_url(url: str) -> str:
    """Hide the password of a URL, keep the rest so people can see where it points."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a non-SQLAlchemy URL (redis://) falls back to a simple mask
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            creds, host = rest.rsplit("@", 1)
            user = creds.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}" if ":" in creds else url
        return url


def load_settings(**overrides: Any) -> Settings:
    """Read the environment once; tests pass overrides instead of mutating os.environ."""
    return Settings(**overrides)
