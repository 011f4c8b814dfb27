"""Balances and transactions: amounts are integers in the currency's minor unit (RWF has none)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class GroupBalance(BaseModel):
    group_id: int | None
    group_code: str | None
    group_name: str | None
    savings: int
    held: int = Field(description="Part of the savings set aside, e.g. guaranteeing a loan")
    available: int
    loan_outstanding: int


class Balances(BaseModel):
    currency: str
    total_savings: int
    total_available: int
    total_loan_outstanding: int
    groups: list[GroupBalance]
    as_of: datetime


class Transaction(BaseModel):
    id: str = Field(description="Stable id of this line (posting)")
    kind: str = Field(examples=["contribution", "withdrawal", "loan_repayment"])
    direction: Literal["in", "out"]
    amount: int = Field(ge=0)
    currency: str
    effective_at: datetime
    group_id: int | None
    group_name: str | None
    memo: str


class TransactionPage(BaseModel):
    items: list[Transaction]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null at the end")


class TransactionQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page")
