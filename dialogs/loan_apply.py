"""Apply for a loan: eligibility in plain words, amount, term, purpose, a confirmation, and a reference."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from core.audit.service import Actor
from core.errors import InvalidInput
from core.loans.guarantors import guarantor_candidates, name_guarantors
from core.loans.notices import send_notices
from core.loans.service import (
    Eligibility,
    NotEligible,
    apply_for_loan,
    check_amount,
    check_purpose,
    check_term,
    eligibility,
)
from dialogs.amounts import parse_amount, parse_count
from dialogs.context import Context
from dialogs.engine import MENU, FormDialog, Invalid, Step, Turn, confirm_answer
from dialogs.loan_notices import render_notice
from dialogs.vocabulary import Choice, Prompt, Reply

PURPOSES: tuple[tuple[str, str], ...] = (
    ("business", "loan.purpose_business"),
    ("farming", "loan.purpose_farming"),
    ("school", "loan.purpose_school"),
    ("home", "loan.purpose_home"),
    ("health", "loan.purpose_health"),
)


class LoanApply(FormDialog):
    name = "loan_apply"
    intents: ClassVar[frozenset[str]] = frozenset({"apply_loan"})
    menu_label = "menu.loan_apply"
    form_slots = ("amount", "term_months", "purpose")
    max_attempts = 2

    class State(StrEnum):
        ASK_AMOUNT = "ask_amount"
        ASK_TERM_MONTHS = "ask_term_months"
        ASK_PURPOSE = "ask_purpose"
        CONFIRM = "confirm"
        GUARANTOR = "guarantor"

    async def rules(self, ctx: Context) -> Eligibility:
        member = ctx.require_member()
        async with ctx.tenant() as session:
            return await eligibility(session, member.organization_id, member.member_id)

    async def before_form(self, ctx: Context, turn: Turn) -> Step | None:
        rules = await self.rules(ctx)
        if rules.pending_reference is not None:
            return Step.end(Reply(ctx.t("loan.already_pending", reference=rules.pending_reference)))
        if rules.written_off_reference is not None:
            return Step.end(Reply(ctx.t("loan.written_off_owed", reference=rules.written_off_reference)))
        if not rules.eligible:
            return Step.end(Reply(ctx.t(
                "loan.not_eligible", savings=ctx.money(rules.savings, rules.currency),
                multiplier=rules.multiplier, minimum=ctx.money(rules.min_amount, rules.currency),
            )))
        return None

    async def give_up(self, ctx: Context, slot: str) -> Step:
        """Wrong amounts twice: end with the rule in plain words (USSD sessions are short)."""
        if slot != "amount":
            return await super().give_up(ctx, slot)
        rules = await self.rules(ctx)
        return Step.end(Reply(ctx.t(
            "loan.limit_explained", maximum=ctx.money(rules.max_amount, rules.currency),
            multiplier=rules.multiplier, savings=ctx.money(rules.savings, rules.currency),
        )))

    async def ask_amount(self, ctx: Context) -> Reply:
        rules = await self.rules(ctx)
        return Prompt(ctx.t(
            "loan.ask_amount", maximum=ctx.money(rules.max_amount, rules.currency), multiplier=rules.multiplier,
            savings=ctx.money(rules.savings, rules.currency),
        ))

    async def validate_amount(self, ctx: Context, text: str, turn: Turn) -> int:
        amount = parse_amount(text, turn)
        rules = await self.rules(ctx)
        if amount is None:
            raise Invalid(ctx.t("loan.amount_not_number"))
        try:
            return check_amount(rules, amount)
        except InvalidInput as exc:
            raise Invalid(ctx.t(
                "loan.amount_out_of_range", minimum=ctx.money(rules.min_amount, rules.currency),
                maximum=ctx.money(rules.max_amount, rules.currency),
            )) from exc

    async def ask_term_months(self, ctx: Context) -> Reply:
        return Prompt(ctx.t("loan.ask_term"))

    async def validate_term_months(self, ctx: Context, text: str, turn: Turn) -> int:
        months = parse_count(text, turn)
        try:
            if months is None:
                raise InvalidInput("not a number")
            return check_term(months)
        except InvalidInput as exc:
            raise Invalid(ctx.t("loan.term_out_of_range")) from exc

    async def ask_purpose(self, ctx: Context) -> Reply:
        choices = tuple(Choice(id=f"purpose:{pid}", title=ctx.t(msgid)) for pid, msgid in PURPOSES)
        return Prompt(ctx.t("loan.ask_purpose"), choices=choices)

    async def validate_purpose(self, ctx: Context, text: str, turn: Turn) -> str:
        picked = next((ctx.t(msgid) for pid, msgid in PURPOSES if text == f"purpose:{pid}"), None)
        try:
            return check_purpose(picked or text)
        except InvalidInput as exc:
            raise Invalid(ctx.t("loan.purpose_too_short")) from exc

    async def submit(self, ctx: Context) -> Step:
        member = ctx.require_member()
        summary = ctx.t(
            "loan.confirm", amount=ctx.money(int(ctx.slots["amount"]), member.currency),
            months=int(ctx.slots["term_months"]), purpose=str(ctx.slots["purpose"]),
        )
        choices = (Choice(id="yes", title=ctx.t("common.yes_confirm")), Choice(id="no", title=ctx.t("common.no_cancel")))
        return Step.ask(self.State.CONFIRM, Reply(summary, choices=choices))

    async def handle_state(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if state == self.State.GUARANTOR:
            return await self.pick_guarantor(ctx, turn)
        if state != self.State.CONFIRM:
            return None
        answer = confirm_answer(turn)
        if answer is None:
            return None
        if not answer:
            return Step.go(MENU, Reply(ctx.t("loan.cancelled")))
        member = ctx.require_member()
        try:
            async with ctx.tenant() as session:
                application = await apply_for_loan(
                    session, organization_id=member.organization_id, member_id=member.member_id,
                    amount=int(ctx.slots["amount"]), term_months=int(ctx.slots["term_months"]),
                    purpose=str(ctx.slots["purpose"]), channel=ctx.channel.value,
                )
        except NotEligible:
            return await self.before_form(ctx, turn) or Step.end(Reply(ctx.t("loan.cancelled")))
        except InvalidInput:
            ctx.slots.pop("amount", None)
            return await self.next_question(ctx, Reply(ctx.t("loan.changed")))
        submitted = Reply(ctx.t(
            "loan.submitted", reference=application.reference,
            amount=ctx.money(application.amount, application.currency), months=application.term_months,
        ))
        rules = await self.rules(ctx)
        if rules.guarantors_required <= 0:
            return Step.end(submitted)
        ctx.slots.update({
            "loan_id": application.id, "reference": application.reference, "guarantors": [],
            "needed": rules.guarantors_required,
        })
        return await self.ask_guarantor(ctx, submitted)

    async def ask_guarantor(self, ctx: Context, *before: Reply) -> Step:
        """Guarantors from the borrower's group, one at a time, as choices (numbers on USSD and SMS)."""
        member = ctx.require_member()
        picked = [int(m) for m in ctx.slots.get("guarantors", [])]
        async with ctx.tenant() as session:
            candidates = await guarantor_candidates(session, member.organization_id, int(ctx.slots["loan_id"]))
        candidates = [c for c in candidates if c.member_id not in picked]
        if not candidates:
            return Step.end(*before, Reply(ctx.t("loan.no_guarantor_candidates")))
        choices = tuple(Choice(id=f"guarantor:{c.member_id}", title=c.name) for c in candidates)
        question = ctx.t("loan.ask_guarantor", number=len(picked) + 1, count=int(ctx.slots["needed"]))
        return Step.ask(self.State.GUARANTOR, Reply(question, choices=choices), *before)

    async def pick_guarantor(self, ctx: Context, turn: Turn) -> Step | None:
        if not (turn.choice_id or "").startswith("guarantor:"):
            return None
        picked = [*ctx.slots.get("guarantors", []), int((turn.choice_id or "").split(":", 1)[1])]
        ctx.slots["guarantors"] = picked
        if len(picked) < int(ctx.slots["needed"]):
            return await self.ask_guarantor(ctx)
        member = ctx.require_member()
        try:
            async with ctx.tenant() as session:
                notices = await name_guarantors(session, member.organization_id, int(ctx.slots["loan_id"]), picked,
                                                actor=Actor.member(member.member_id))
        except InvalidInput:
            ctx.slots["guarantors"] = []
            return await self.ask_guarantor(ctx, Reply(ctx.t("loan.changed")))
        # Each guarantor on their own channel: reading channel identities needs the system scope (they span
        # SACCOs); the only write is the outbox rows, each stamped with this organization.
        async with ctx.db.system() as session:
            await send_notices(session, member.organization_id, notices, render_notice, source="system")
        # The last screen a USSD member sees: it repeats the reference they will quote to staff.
        reference = str(ctx.slots.get("reference", ""))
        return Step.end(Reply(ctx.t("loan.guarantors_asked", count=len(picked), reference=reference)))
