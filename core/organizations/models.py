"""Organization (the tenant) and its district/sector/cell geography."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class LocationLevel(StrEnum):
    DISTRICT = "district"
    SECTOR = "sector"
    CELL = "cell"


class Organization(IdMixin, CreatedAtMixin, Base):
    """A SACCO or MFI. Its own row is visible only inside its scope (RLS keyed on id)."""

    __tablename__ = "organizations"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="sacco")
    country: Mapped[str] = mapped_column(String(2), default="RW")
    currency: Mapped[str] = mapped_column(String(3), default="RWF")
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Kigali")
    default_language: Mapped[str] = mapped_column(String(2), default="rw")
    momo_merchant_code: Mapped[str | None] = mapped_column(String(32))
    momo_collection_number: Mapped[str | None] = mapped_column(String(16))
    airtel_collection_number: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")


class Location(IdMixin, TenantMixin, Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("organization_id", "level", "name", "parent_id"),)

    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
