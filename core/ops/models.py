"""worker_heartbeats: a background worker proves it can reach the database by writing here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, IdMixin


class WorkerHeartbeat(IdMixin, Base):
    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))  # celery | inline
    at: Mapped[datetime] = mapped_column(server_default=func.now())
