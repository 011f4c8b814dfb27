"""A one-time code in the chat: 6 digits to sign in to the member app (Reply.otp lets WhatsApp use its template)."""

from __future__ import annotations

from typing import ClassVar

from core.identity.errors import RateLimited
from core.identity.keys import IdentityKeys
from core.identity.otp import CODE_TTL, OtpPurpose, issue_code
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn
from dialogs.vocabulary import Reply


class OneTimeCode(Dialog):
    name = "one_time_code"
    intents: ClassVar[frozenset[str]] = frozenset({"request_code"})
    menu_label = "menu.one_time_code"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        member = ctx.require_member()
        if ctx.phone is None or ctx.rate_limiter is None:
            return Step.end(Reply(ctx.t("otp.unavailable")))
        try:
            issued = await issue_code(
                ctx.db, ctx.rate_limiter, IdentityKeys.from_settings(ctx.settings),
                organization_id=member.organization_id, phone=ctx.phone, purpose=OtpPurpose.LOGIN, now=ctx.now,
            )
        except RateLimited as limited:
            minutes = max(1, (limited.retry_after + 59) // 60)
            return Step.end(Reply(ctx.t("otp.wait", minutes=minutes)))
        text = ctx.t("otp.code", code=issued.code, minutes=int(CODE_TTL.total_seconds() // 60))
        return Step.end(Reply(text, otp=issued.code))
