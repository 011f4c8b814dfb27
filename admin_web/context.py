"""What the console needs from the running service, handed over once by bot/ when it wires the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from aiohttp import web

from core.crypto.pii import PiiCipher
from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.passkeys import RelyingParty
from core.identity.ratelimit import RateLimiter, make_rate_limiter
from core.identity.staff_sessions import StaffSessionView
from core.settings import Settings

SubmitJob = Callable[..., None]  # (job name, **JSON-able kwargs): bot.jobs.JobDispatcher.submit


@dataclass(frozen=True, slots=True)
class ConsoleDeps:
    db: Database
    settings: Settings
    limiter: RateLimiter
    keys: IdentityKeys
    pii: PiiCipher
    rp: RelyingParty  # the console's origin, for passkeys
    submit: SubmitJob | None = None  # bot.jobs' dispatcher: a Celery worker, or this process without a broker

    @classmethod
    def build(cls, db: Database, settings: Settings, redis: Any | None = None,
              submit: SubmitJob | None = None) -> ConsoleDeps:  # fmt: skip
        """Derive keys, ciphers and the passkeys' relying party from settings; the rate limiter uses Redis when
        there is one."""
        keys = IdentityKeys.from_settings(settings)
        return cls(
            db,
            settings,
            make_rate_limiter(db, redis, keys.rate_limit),
            keys,
            PiiCipher.from_settings(settings),
            RelyingParty.from_settings(settings),
            submit,
        )

    def run_job(self, name: str, **kwargs: Any) -> None:
        """Hand a console job (core.ops.console_jobs) to the dispatcher, once its row is committed."""
        if self.submit is None:
            raise RuntimeError("this console has no job dispatcher")
        self.submit(name, **kwargs)


CONSOLE = web.AppKey("console", ConsoleDeps)
JINJA = web.AppKey("console_jinja", jinja2.Environment)
SESSION = web.RequestKey("console_session", StaffSessionView)  # set when the cookie names a live session
SESSION_TOKEN = web.RequestKey("console_session_token", str)


def deps(request: web.Request) -> ConsoleDeps:
    return request.config_dict[CONSOLE]
