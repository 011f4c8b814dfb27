"""Payment codes with the MoMo dial string and a tel: link for a one-tap payment."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PaymentCode(BaseModel):
    code: str
    purpose: str
    group_id: int | None
    group_code: str | None
    group_name: str | None
    loan_id: int | None
    expected_amount: int | None
    currency: str
    dial_string: str | None = Field(description="The MoMo Pay USSD string, e.g. *182*8*1*123456*2000#")
    tel_link: str | None = Field(description="The dial string as a tel: URI (# escaped)")


class PaymentCodeList(BaseModel):
    items: list[PaymentCode]
