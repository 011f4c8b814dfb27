"""join_requests: a name and a group code left by an unknown number, waiting for staff."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin


class JoinRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JoinRequest(IdMixin, CreatedAtMixin, Base):
    """`organization_id` is the SACCO whose group code was given; NULL when the code matched none
    (platform admins see those and route them)."""

    __tablename__ = "join_requests"
    __table_args__ = (Index(None, "organization_id", "status"),)

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    phone: Mapped[str] = mapped_column(String(80))
    full_name: Mapped[str] = mapped_column(String(200))
    group_code: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2), default="rw")
    status: Mapped[str] = mapped_column(String(16), default=JoinRequestStatus.PENDING)
    note: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # set when approved
    reviewed_at: Mapped[datetime | None]
    reviewed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
