"""Loans: eligibility, applying, my loans with their schedules, and guarantor requests to answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from mobile.api.schemas.common import Body


class Eligibility(BaseModel):
    eligible: bool
    reason: str | None
    savings: int
    multiplier: int
    min_amount: int
    max_amount: int
    min_months: int
    max_months: int
    currency: str
    pending_reference: str | None = Field(description="An application still waiting blocks a second one")


class LoanApplicationRequest(Body):
    amount: int = Field(ge=1, le=10**12, description="Minor units")
    months: int = Field(ge=1, le=120)
    purpose: str = Field(min_length=2, max_length=300)
    group_id: int | None = Field(default=None, ge=1, le=2**62, description="One of my groups")


class Installment(BaseModel):
    number: int
    due_on: date
    principal: int
    interest: int
    total: int
    paid: int
    status: Literal["upcoming", "due", "partial", "paid", "overdue"]


class Loan(BaseModel):
    id: int
    reference: str
    status: str
    principal: int
    currency: str
    months: int
    purpose: str
    group_id: int | None
    group_name: str | None
    applied_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    outstanding: int | None = Field(description="What is still owed once disbursed; null before")
    next_due_on: date | None
    next_due_amount: int | None
    schedule: list[Installment]


class LoanList(BaseModel):
    items: list[Loan]


class LoanParams(BaseModel):
    loan_id: int = Field(ge=1, le=2**62)


class GuarantorRequest(BaseModel):
    id: int
    loan_id: int
    borrower_name: str
    amount: int
    currency: str
    group_name: str | None
    requested_at: datetime
    status: Literal["pending", "accepted", "declined", "cancelled"]


class GuarantorRequestList(BaseModel):
    items: list[GuarantorRequest]


class GuarantorParams(BaseModel):
    request_id: int = Field(ge=1, le=2**62)


class GuarantorAnswer(Body):
    decision: Literal["accept", "decline"]
