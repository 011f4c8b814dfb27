"""RFC 9457 problem details: the one place /api/v1 turns errors (domain, HTTP, validation, bugs) into JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from core.errors import DomainError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:ibimina:problem:"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    501: "Not implemented",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """A problem raised by the API layer itself (bad JSON, a missing token, a feature not available yet)."""

    def __init__(
        self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    request: web.Request,
    *,
    status: int,
    code: str,
    detail: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title or _HTTP_TITLES.get(status) or code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail or title or _HTTP_TITLES.get(status, code),
        "instance": request.path,
        "code": code,
    }
    body.update(extra)
    response = web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type=MEDIA_TYPE, headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def validation_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    """pydantic's errors as {"loc": ["body", "phone"], "msg": ..., "type": ...} without echoing input."""
    return [
        {"loc": [where, *[str(part) for part in err["loc"]]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _domain_title(exc: DomainError) -> str:
    return exc.code.replace("_", " ").capitalize()


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure under /api/v1 answers application/problem+json; a 5xx is logged with its request."""
    try:
        return await handler(request)
    except ApiProblem as exc:
        return problem_response(
            request, status=exc.status, code=exc.code, detail=exc.detail, headers=exc.headers, **exc.extra
        )
    except DomainError as exc:
        headers: dict[str, str] = {}
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int) and retry_after > 0:
            headers["Retry-After"] = str(retry_after)
        if exc.http_status == 401:
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return problem_response(
            request, status=exc.http_status, code=exc.code, title=_domain_title(exc), detail=exc.message,
            headers=headers,
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        code = _HTTP_TITLES.get(exc.status, "error").lower().replace(" ", "_")
        return problem_response(request, status=exc.status, code=code, detail=exc.reason, headers=headers)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(request, status=500, code="internal_error", detail="Something went wrong on our side.")
