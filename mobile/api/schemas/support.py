"""A message from the member to the SACCO's support agents, and statements."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from mobile.api.schemas.common import Body


class SupportMessage(Body):
    message: str = Field(min_length=1, max_length=1000)


class SupportTicket(BaseModel):
    id: int = Field(description="The hand-off the agents see in their inbox")
    status: str
    reply_channel: str = Field(description="Where the agent's answer will reach you: whatsapp, telegram or sms")


class StatementQuery(BaseModel):
    start: date | None = Field(default=None, description="First day (default: 90 days ago)")
    end: date | None = Field(default=None, description="Last day (default: today)")
