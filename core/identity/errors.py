"""Identity failures a person can cause, each with a message that tells them what to do next."""

from __future__ import annotations

from core.errors import DomainError


def _minutes(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


class RateLimited(DomainError):
    """Too many requests (codes sent, sign-ins tried) in a window; retry_after says when one is allowed."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, retry_after: int, what: str = "requests") -> None:
        super().__init__(f"Too many {what}. Try again in {_minutes(retry_after)}.")
        self.retry_after = retry_after


class TooManyAttempts(DomainError):
    """A one-time code took five wrong guesses and no longer works."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self) -> None:
        super().__init__("Too many wrong codes. This code no longer works; ask for a new one.")


class CodeExpired(DomainError):
    """No code is waiting: it expired (5 minutes), was used, or a newer one replaced it."""

    code = "code_expired"
    http_status = 400

    def __init__(self, message: str = "This code has expired. Ask for a new one.") -> None:
        super().__init__(message)


class InvalidCredentials(DomainError):
    """Wrong email or password; deliberately does not say which."""

    code = "invalid_credentials"
    http_status = 401

    def __init__(self) -> None:
        super().__init__("The email or password is wrong.")


class AccountLocked(DomainError):
    """Too many failed sign-ins for this account (or from this address): locked for a while."""

    code = "account_locked"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-in attempts. Sign-in is locked; try again in {_minutes(retry_after)}."
        )
        self.retry_after = retry_after


class InvalidSecondFactor(DomainError):
    """The authenticator or backup code is wrong, expired, or was already used."""

    code = "invalid_second_factor"
    http_status = 401

    def __init__(
        self, message: str = "That code is not valid. Enter the current code from your app."
    ) -> None:
        super().__init__(message)


class InvalidToken(DomainError):
    """An access or refresh token is malformed, expired, revoked or not ours: sign in again."""

    code = "invalid_token"
    http_status = 401

    def __init__(self, message: str = "Your session has ended. Sign in again.") -> None:
        super().__init__(message)


class RefreshTokenReused(InvalidToken):
    """An already-used refresh token came back: assume theft, end every session of that login."""

    code = "refresh_token_reused"

    def __init__(self) -> None:
        super().__init__(
            "This sign-in was used twice, so we signed you out everywhere for safety. Sign in again."
        )
