"""Domain errors: one type per failure a user can cause, each mapped to a clear reply or a 4xx upstream."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a person (member, staff, provider) can cause; never a 5xx."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class NotFound(DomainError):
    """Also what another organization's object looks like: it does not exist for you."""

    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
