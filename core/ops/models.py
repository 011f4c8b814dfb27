"""worker_heartbeats: a background worker proves it can reach the database by writing here.
console_jobs: the console's long jobs (member imports, exports), whichever process runs them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin


class WorkerHeartbeat(IdMixin, Base):
    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))  # celery | inline
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class ConsoleJob(IdMixin, CreatedAtMixin, Base):
    """A long console job, run by a Celery worker (or the web process without a broker) and watched by the
    page that started it, from any process: its progress, its per-row errors, and an export's file.

    `input` holds an import's rows encrypted with the PII cipher (national IDs) until the job ends; `output`
    an export's CSV. Both are personal data: ended jobs are purged after a week (core.ops.console_jobs)."""

    __tablename__ = "console_jobs"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # the page's handle
    kind: Mapped[str] = mapped_column(String(40))  # members.import | export:member_balances
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, finished, failed
    staff_user_id: Mapped[int | None]
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # [{"line": 4, "error": "…"}]
    failure: Mapped[str | None] = mapped_column(Text)
    input: Mapped[str | None] = mapped_column(Text)
    output: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
