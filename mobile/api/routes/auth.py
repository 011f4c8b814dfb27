"""Sign-in by one-time code: POST /auth/code, /auth/verify, /auth/refresh, /auth/logout."""

from __future__ import annotations

from datetime import UTC, datetime

from core.identity.context import ClientInfo
from core.identity.member_sessions import TokenPair, logout, refresh_session, start_session
from core.identity.otp import CODE_TTL, OtpPurpose, issue_code, verify_code
from core.phones import normalise_phone
from mobile.api.login import (
    WrongCode,
    code_for_unknown_phone,
    deliver_code,
    find_login_target,
    verify_for_unknown_phone,
)
from mobile.api.registry import Call, Routes
from mobile.api.schemas.auth import CodeRequest, CodeSent, RefreshRequest, TokenResponse, VerifyRequest

ROUTES = Routes("auth")
SENT = "If this number belongs to a member, a 6-digit code is on its way (WhatsApp, Telegram or SMS)."


def _tokens(pair: TokenPair) -> TokenResponse:
    now = datetime.now(UTC)
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=max(0, int((pair.access_expires_at - now).total_seconds())),
        refresh_expires_in=max(0, int((pair.refresh_expires_at - now).total_seconds())),
    )


@ROUTES.operation(
    "POST", "/auth/code", summary="Send me a sign-in code", body=CodeRequest, response=CodeSent, status=202,
    auth=False, errors=(429,),
)
async def request_code(call: Call) -> CodeSent:
    """Always 202 with the same body: a phone that is no member's gets nothing sent, and spends the same
    rate limit (one code a minute, five an hour), so the answers cannot tell members from strangers."""
    body = call.body_as(CodeRequest)
    phone = normalise_phone(body.phone)
    d = call.deps
    target = await find_login_target(d.db, phone, body.organization)
    if target is None:
        await code_for_unknown_phone(d.limiter, phone)
    else:
        issued = await issue_code(
            d.db, d.limiter, d.keys, organization_id=target.organization_id, phone=phone, purpose=OtpPurpose.LOGIN
        )
        await deliver_code(d.db, target, issued.code)
    return CodeSent(detail=SENT, expires_in=int(CODE_TTL.total_seconds()))


@ROUTES.operation(
    "POST", "/auth/verify", summary="Trade the code for tokens", body=VerifyRequest, response=TokenResponse,
    auth=False, errors=(429,),
)
async def verify(call: Call) -> TokenResponse:
    """A wrong code is 400 `wrong_code`; the fifth wrong one is 429 and kills the code; an expired, used
    or replaced code is 400 `code_expired`. Strangers' phones get the same answers in the same order."""
    body = call.body_as(VerifyRequest)
    phone = normalise_phone(body.phone)
    d = call.deps
    target = await find_login_target(d.db, phone, body.organization)
    if target is None:
        await verify_for_unknown_phone(d.limiter, phone)
    matched = await verify_code(
        d.db, d.keys, organization_id=target.organization_id, phone=phone, purpose=OtpPurpose.LOGIN,
        code=body.code.strip(),
    )
    if not matched:
        raise WrongCode()
    request = call.request
    client = ClientInfo(
        address=request.remote or "unknown",
        user_agent=request.headers.get("User-Agent", "")[:200],
        request_id=request.headers.get("X-Request-Id"),
    )
    pair = await start_session(
        d.db, d.keys, organization_id=target.organization_id, member_id=target.member_id, client=client
    )
    return _tokens(pair)


@ROUTES.operation(
    "POST", "/auth/refresh", summary="New tokens for a refresh token", body=RefreshRequest,
    response=TokenResponse, auth=False, errors=(401,),
)
async def refresh(call: Call) -> TokenResponse:
    """Refresh tokens rotate: each works once. Presenting a spent one signs that login out everywhere."""
    body = call.body_as(RefreshRequest)
    return _tokens(await refresh_session(call.deps.db, call.deps.keys, body.refresh_token))


@ROUTES.operation(
    "POST", "/auth/logout", summary="Sign out this device", body=RefreshRequest, status=204, auth=False,
)
async def sign_out(call: Call) -> None:
    """Ends the login the refresh token belongs to; its access tokens stop working at once. Idempotent."""
    await logout(call.deps.db, call.deps.keys, call.body_as(RefreshRequest).refresh_token)
