"""Groups (ibimina), members and group memberships with officer roles."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class MembershipRole(StrEnum):
    MEMBER = "member"
    CHAIR = "chair"
    TREASURER = "treasurer"
    SECRETARY = "secretary"


class MemberStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class Group(IdMixin, TenantMixin, CreatedAtMixin, Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    contribution_amount: Mapped[int] = mapped_column(default=0)
    contribution_frequency: Mapped[str] = mapped_column(String(16), default=Frequency.WEEKLY)
    meeting_day: Mapped[int | None] = mapped_column(SmallInteger)  # ISO weekday 1..7
    uses_social_fund: Mapped[bool] = mapped_column(default=False)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")


class Member(IdMixin, TenantMixin, CreatedAtMixin, Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("organization_id", "phone"), Index(None, "phone"))

    phone: Mapped[str] = mapped_column(String(16))  # E.164, e.g. +250788123456
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # National ID: AES-GCM ciphertext with its key id (core.crypto.pii) and an HMAC blind index for search.
    national_id_encrypted: Mapped[str | None] = mapped_column(Text)
    national_id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(2), default="rw")
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE)
    joined_on: Mapped[date | None]
    opted_out_at: Mapped[datetime | None]  # sent STOP: no bot messages until START (conversations)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class GroupMembership(IdMixin, TenantMixin, CreatedAtMixin, Base):
    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=MembershipRole.MEMBER)
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]
