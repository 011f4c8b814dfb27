"""Loan domain errors: each a failure a member or an officer can cause, mapped to a clear reply."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, PermissionDenied


class NotEligible(InvalidInput):
    """The member may not borrow now (no savings, too new, an application already waiting)."""

    code = "not_eligible"


class AmountOutOfRange(InvalidInput):
    code = "amount_out_of_range"


class TermOutOfRange(InvalidInput):
    code = "term_out_of_range"


class IllegalTransition(Conflict):
    """The loan is not in a state that allows this step (e.g. disbursing a rejected application)."""

    code = "illegal_loan_transition"


class MakerCheckerViolation(PermissionDenied):
    """The officer who recorded or edited an application may not approve it."""

    code = "maker_checker"


class GuarantorProblem(InvalidInput):
    """A guarantor who cannot stand: not in the group, the borrower, already asked, or savings too low."""

    code = "guarantor_problem"
