"""My balances (GET /me/balances), my transactions (GET /me/transactions) and my payment codes."""

from __future__ import annotations

from core.payments.member_codes import codes_for_member
from mobile.api import ledger
from mobile.api.members import current_organization, my_groups
from mobile.api.registry import Call, Routes
from mobile.api.schemas.codes import PaymentCode, PaymentCodeList
from mobile.api.schemas.money import Balances, TransactionPage, TransactionQuery

ROUTES = Routes("money")


@ROUTES.operation("GET", "/me/balances", summary="My savings and loans per group", response=Balances)
async def get_balances(call: Call) -> Balances:
    """Every group the member is in (and any they left still holding money), with what is held."""
    async with call.tenant() as session:
        org = await current_organization(session, call.member)
        return await ledger.balances(session, org.id, call.member.member_id, org.currency)


@ROUTES.operation(
    "GET", "/me/transactions", summary="My transactions, newest first", query=TransactionQuery,
    response=TransactionPage,
)
async def list_transactions(call: Call) -> TransactionPage:
    """Keyset-paged: pass `next_cursor` back as `cursor` for older lines; it is null on the last page."""
    query = call.query_as(TransactionQuery)
    claims = call.member
    async with call.tenant() as session:
        names = {g.id: g.name for g, _ in await my_groups(session, claims)}
        return await ledger.transactions(
            session, claims.organization_id, claims.member_id, limit=query.limit, cursor=query.cursor,
            group_names=names,
        )


@ROUTES.operation("GET", "/me/payment-codes", summary="My payment codes and how to pay", response=PaymentCodeList)
async def list_payment_codes(call: Call) -> PaymentCodeList:
    """One code per group (and per loan): type it as the MoMo reference, or tap the tel: link to dial."""
    claims = call.member
    async with call.tenant() as session:
        views = await codes_for_member(session, claims.organization_id, claims.member_id)
    return PaymentCodeList(
        items=[
            PaymentCode(
                code=v.code, purpose=v.purpose, group_id=v.group_id, group_code=v.group_code,
                group_name=v.group_name, loan_id=v.loan_id, expected_amount=v.expected_amount,
                currency=v.currency, dial_string=v.dial_string, tel_link=v.tel_link,
            )
            for v in views
        ]
    )
