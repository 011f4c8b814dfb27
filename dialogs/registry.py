"""DIALOGS: every journey, in priority order (the first whose trigger matches an intent wins)."""

from __future__ import annotations

from dialogs.balance import Balance
from dialogs.choose_sacco import ChooseSacco
from dialogs.clarify import Clarify
from dialogs.engine import Dialog
from dialogs.guest import Guest, GuestInfo, JoinRequestForm
from dialogs.handoff import Handoff
from dialogs.help import Help
from dialogs.language import ChangeLanguage
from dialogs.loan_apply import LoanApply
from dialogs.loan_guarantor import LoanGuarantor
from dialogs.loan_status import LoanStatus
from dialogs.menu import MainMenu, MoreMenu, SmallTalk
from dialogs.one_time_code import OneTimeCode
from dialogs.opt_out import Start, Stop
from dialogs.payment_code import PaymentCode
from dialogs.statement import Statement

DIALOGS: tuple[Dialog, ...] = (
    # Opting out and in first: they must win over everything.
    Stop(),
    Start(),
    ChooseSacco(),
    # Member journeys.
    Balance(),
    PaymentCode(),
    Statement(),
    LoanApply(),
    LoanStatus(),
    LoanGuarantor(),
    OneTimeCode(),
    Handoff(),
    ChangeLanguage(),
    Help(),
    MainMenu(),
    MoreMenu(),
    SmallTalk(),
    # Unknown numbers.
    Guest(),
    GuestInfo(),
    JoinRequestForm(),
    Clarify(),
)
