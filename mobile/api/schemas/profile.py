"""My profile, my organization, my groups."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from mobile.api.schemas.common import Body

Language = Literal["rw", "en", "fr"]


class OrganizationView(BaseModel):
    id: int
    slug: str
    name: str
    currency: str


class Profile(BaseModel):
    id: int
    first_name: str
    last_name: str
    full_name: str
    phone: str
    language: str
    status: str
    joined_on: date | None
    organization: OrganizationView


class ProfileUpdate(Body):
    language: Language = Field(description="Kinyarwanda, English or French: the bot and the app both use it")


class GroupView(BaseModel):
    id: int
    code: str
    name: str
    role: str
    contribution_amount: int = Field(description="Minor units of the organization's currency")
    contribution_frequency: str
    meeting_day: int | None = Field(description="ISO weekday 1..7")
    currency: str
    joined_on: date | None


class GroupList(BaseModel):
    items: list[GroupView]


class GroupParams(BaseModel):
    group_id: int = Field(ge=1, le=2**62)
