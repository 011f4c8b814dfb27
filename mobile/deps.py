"""What the member app needs from the running service, built once and injected by bot.app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.ratelimit import RateLimiter, make_rate_limiter
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class MobileDeps:
    db: Database
    settings: Settings
    keys: IdentityKeys
    limiter: RateLimiter

    @classmethod
    def build(cls, db: Database, settings: Settings, redis: Any | None = None) -> MobileDeps:
        """Derive the identity keys from settings; the rate limiter uses Redis when there is one."""
        keys = IdentityKeys.from_settings(settings)
        return cls(db, settings, keys, make_rate_limiter(db, redis, keys.rate_limit))


MOBILE = web.AppKey("mobile", MobileDeps)


def deps(request: web.Request) -> MobileDeps:
    return request.config_dict[MOBILE]
