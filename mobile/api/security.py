"""Bearer access tokens on /api/v1: who is calling, checked against revocation (logout takes effect at once)."""

from __future__ import annotations

from aiohttp import web

from core.identity.member_sessions import MemberClaims, authenticate_access_token
from mobile.api.problems import ApiProblem
from mobile.deps import MobileDeps

CHALLENGE = 'Bearer realm="ibimina"'


async def authenticate(request: web.Request, deps: MobileDeps) -> MemberClaims:
    """The caller's claims; a missing token is 401 here, a bad one is InvalidToken (401) from core."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(
            401, "unauthorized", "Sign in: send 'Authorization: Bearer <access token>'.",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    return await authenticate_access_token(deps.db, deps.keys, token.strip())
