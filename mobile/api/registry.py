"""The member API's route registry: each operation declares its models, so routing and OpenAPI share one source."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from core.identity.member_sessions import MemberClaims
from mobile.api.problems import ApiProblem, validation_errors
from mobile.api.security import authenticate
from mobile.deps import MobileDeps, deps

M = TypeVar("M", bound=BaseModel)
Result = BaseModel | web.StreamResponse | None
Endpoint = Callable[["Call"], Awaitable[Result]]
_PATH_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Call:
    """One request as a handler sees it: validated body, query and path, and who is calling."""

    request: web.Request
    deps: MobileDeps
    caller: MemberClaims | None
    body: BaseModel | None
    query: BaseModel | None
    params: BaseModel | None

    @property
    def member(self) -> MemberClaims:
        assert self.caller is not None, "an operation with auth=False has no member"
        return self.caller

    def tenant(self) -> Any:
        """A transaction that sees only the caller's organization (every member query runs in one)."""
        return self.deps.db.tenant(self.member.organization_id)

    def body_as(self, model: type[M]) -> M:
        assert isinstance(self.body, model)
        return self.body

    def query_as(self, model: type[M]) -> M:
        assert isinstance(self.query, model)
        return self.query

    def params_as(self, model: type[M]) -> M:
        assert isinstance(self.params, model)
        return self.params


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path under /api/v1, with everything the OpenAPI document says about it."""

    method: str
    path: str  # relative to /api/v1, OpenAPI template syntax: /me/loans/{loan_id}
    endpoint: Endpoint
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    params: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    errors: tuple[int, ...] = ()
    media_type: str = "application/json"

    @property
    def operation_id(self) -> str:
        return self.endpoint.__name__

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.endpoint.__doc__ or "")

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """Every error this operation can answer: declared ones plus what auth and validation imply."""
        implied = set(self.errors)
        if self.auth:
            implied.add(401)
        if self.body or self.query or self.params:
            implied.add(422)
        if self.body:
            implied.add(400)
        return tuple(sorted(implied))


@dataclass
class Routes:
    """The operations of one module, in the order they are matched (literal paths before parameters)."""

    tag: str
    operations: list[Operation] = field(default_factory=list)

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        params: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        auth: bool = True,
        errors: tuple[int, ...] = (),
        media_type: str = "application/json",
    ) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            names = set(_PATH_PARAM.findall(path))
            declared = set(params.model_fields) if params else set()
            if names != declared:
                raise TypeError(f"{method} {path}: path parameters {names} but params model has {declared}")
            self.operations.append(
                Operation(
                    method.upper(), path, endpoint, summary, self.tag, body, query, params, response, status,
                    auth, errors, media_type,
                )
            )
            return endpoint

        return register

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)


def _validate(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiProblem(
            422, "validation_error", f"The {where} is not valid.", errors=validation_errors(exc, where)
        ) from exc


async def _read_body(request: web.Request, model: type[M]) -> M:
    raw = await request.read()
    try:
        data = json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem(400, "malformed_json", f"The request body is not JSON: {exc}") from exc
    if data is None:
        raise ApiProblem(422, "validation_error", "A JSON body is required.", errors=[])
    return _validate(model, data, "body")


def handler_for(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        d = deps(request)
        caller = await authenticate(request, d) if op.auth else None
        params = _validate(op.params, dict(request.match_info), "path") if op.params else None
        query = _validate(op.query, dict(request.query), "query") if op.query else None
        body = await _read_body(request, op.body) if op.body else None
        result = await op.endpoint(Call(request, d, caller, body, query, params))
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=op.status if op.status != 200 else 204, headers={"Cache-Control": "no-store"})
        return web.Response(
            body=result.model_dump_json().encode(),
            status=op.status,
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    handle.__name__ = op.operation_id
    return handle


def mount(app: web.Application, operations: list[Operation]) -> None:
    for op in operations:
        app.router.add_route(op.method, op.path, handler_for(op), name=op.operation_id)
