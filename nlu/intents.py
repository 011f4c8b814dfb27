"""The intent names: part of the interface that dialogs match on."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """Every intent the classifier can return; values are the names in the training data."""

    GREET = "greet"
    MENU = "menu"
    HELP = "help"
    CHECK_BALANCE = "check_balance"
    GET_PAYMENT_CODE = "get_payment_code"
    STATEMENT = "statement"
    APPLY_LOAN = "apply_loan"
    LOAN_STATUS = "loan_status"
    REQUEST_CODE = "request_code"
    TALK_TO_AGENT = "talk_to_agent"
    CHANGE_LANGUAGE = "change_language"
    STOP = "stop"
    START = "start"
    CANCEL = "cancel"
    AFFIRM = "affirm"
    DENY = "deny"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    JOIN = "join"
    BACK = "back"
    CONTRIBUTIONS_DUE = "contributions_due"
    WITHDRAW = "withdraw"
    INFORM = "inform"
    OUT_OF_SCOPE = "out_of_scope"  # trained on off-topic chatter; parse() answers NLU_FALLBACK for it
    NLU_FALLBACK = "nlu_fallback"


FALLBACK_INTENT = Intent.NLU_FALLBACK.value
TRAINED_INTENTS: frozenset[str] = frozenset(i.value for i in Intent if i is not Intent.NLU_FALLBACK)
LANGUAGES: tuple[str, ...] = ("rw", "en", "fr")
