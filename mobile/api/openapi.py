"""The OpenAPI 3.1 document, built from the route registry and pydantic's JSON Schemas (it cannot drift)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from mobile.api.registry import Operation
from mobile.api.schemas.common import Problem

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
_STATUS_TEXT = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 400: "Malformed request body",
    401: "Not signed in, or the session ended", 403: "Not allowed", 404: "Not found (or not yours)",
    409: "Conflict with the current state", 422: "Validation failed", 429: "Too many requests",
    501: "Not available on this server yet",
}


def _schemas(operations: list[Operation]) -> tuple[dict[tuple[Any, str], Any], dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for op in operations:
        if op.body:
            wanted.append((op.body, "validation"))
        if op.response:
            wanted.append((op.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template=REF)
    return {key: value for key, value in refs.items()}, top.get("$defs", {})


def _parameters(model: type[BaseModel] | None, where: Literal["path", "query"]) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": where, "required": where == "path" or name in required}
        if description:
            param["description"] = description
        param["schema"] = prop
        out.append(param)
    return out


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": _STATUS_TEXT.get(status, "Error"),
        "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
    }


def build_openapi(operations: list[Operation], *, title: str = "Ibimina member API", version: str = "1") -> dict[str, Any]:
    refs, components = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        item: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
        }
        if op.description:
            item["description"] = op.description
        parameters = _parameters(op.params, "path") + _parameters(op.query, "query")
        if parameters:
            item["parameters"] = parameters
        if op.body:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        success: dict[str, Any] = {"description": _STATUS_TEXT.get(op.status, "OK")}
        if op.response:
            success["content"] = {op.media_type: {"schema": refs[(op.response, "serialization")]}}
        elif op.media_type != "application/json":
            success["content"] = {op.media_type: {"schema": {"type": "string", "contentMediaType": op.media_type}}}
        status = op.status if (op.response or op.media_type != "application/json" or op.status != 200) else 204
        responses: dict[str, Any] = {str(status): success}
        for code in op.error_statuses:
            responses[str(code)] = _problem_response(code)
        item["responses"] = responses
        item["security"] = [{"bearerAuth": []}] if op.auth else []
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "The member app's API: sign in with a one-time code, then read your own balances, "
                "transactions, payment codes and loans. Errors are RFC 9457 problem details."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The access_token from /auth/verify or /auth/refresh (15 minutes).",
                }
            },
        },
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in operations)],
    }
