"""Sign-in payloads: ask for a one-time code, trade it for tokens, refresh, sign out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mobile.api.schemas.common import Body

PHONE = Field(min_length=6, max_length=32, examples=["+250788123456"], description="Any usual spelling of the phone")
ORGANIZATION = Field(
    default=None,
    min_length=1,
    max_length=64,
    description="The SACCO's slug, when the phone belongs to members of several (default: the oldest membership)",
)


class CodeRequest(Body):
    phone: str = PHONE
    organization: str | None = ORGANIZATION


class CodeSent(BaseModel):
    """The same answer whether or not the phone is a member's (no account enumeration)."""

    detail: str
    expires_in: int = Field(description="Seconds a code stays valid")


class VerifyRequest(Body):
    phone: str = PHONE
    code: str = Field(pattern=r"^\s*\d{6}\s*$", examples=["123456"])
    organization: str | None = ORGANIZATION


class RefreshRequest(Body):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires")
