"""Get my payment code: the code per group, how to pay with MoMo (dial string, tel: link), the amount due."""

from __future__ import annotations

from typing import ClassVar

from core.payments.member_codes import codes_for_member
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn
from dialogs.vocabulary import Link, Reply


class PaymentCode(Dialog):
    name = "payment_code"
    intents: ClassVar[frozenset[str]] = frozenset({"get_payment_code"})
    menu_label = "menu.payment_code"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        member = ctx.require_member()
        async with ctx.tenant() as session:
            codes = await codes_for_member(session, member.organization_id, member.member_id)
        if not codes:
            return Step.end(Reply(ctx.t("paycode.none")))
        replies: list[Reply] = []
        for view in codes:
            group = view.group_name or view.group_code or member.organization_name
            lines = [ctx.t("paycode.code", group=group, code=view.code)]
            if view.expected_amount:
                lines.append(ctx.t("paycode.amount", amount=ctx.money(view.expected_amount, view.currency)))
            if view.dial_string:
                lines.append(ctx.t("paycode.how", dial=view.dial_string, code=view.code))
            link = None
            if view.tel_link and ctx.shows_links and view.dial_string:
                link = Link(url=view.tel_link, title=ctx.t("paycode.dial_button"))
            replies.append(Reply("\n".join(lines), link=link))
        return Step.end(*replies)
