"""Payload shapes every part of the API shares: problem details and the base of request bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel


class Body(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FieldError(BaseModel):
    loc: list[str] = Field(description='Where: ["body", "phone"], ["query", "limit"], ["path", "loan_id"]')
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details; `code` repeats the last part of `type` for clients that switch on it."""

    type: str = Field(examples=["urn:ibimina:problem:not_found"])
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldError] | None = None


class OpenApiDocument(RootModel[dict[str, Any]]):
    """This document."""
