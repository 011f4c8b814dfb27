"""Signing in and out: email + password, then the authenticator code (or enrolment), then the console."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import (
    HOME_PATH,
    LOGIN_PATH,
    clear_session_cookie,
    client_info,
    device_cookie,
    public,
    see_other,
    set_device_cookie,
    set_session_cookie,
)
from admin_web.context import SESSION, SESSION_TOKEN, deps
from admin_web.csrf import login_form_token, set_login_cookie
from admin_web.qr import qr_svg
from admin_web.render import render
from admin_web.webauthn_json import credential_body, error_response, options_response
from core.identity.errors import AccountLocked, InvalidCredentials, InvalidSecondFactor, InvalidToken
from core.identity.staff_auth import (
    begin_sign_in,
    complete_sign_in,
    complete_sign_in_with_passkey,
    passkey_options,
    sign_in_enrolment,
    sign_out,
)

routes = web.RouteTableDef()
MFA_PATH = "/console/mfa"


def _login_page(
    request: web.Request, *, error: str | None = None, email: str = "", status: int = 200
) -> web.Response:
    cookies: dict[str, str] = {}
    token = login_form_token(request, cookies)
    response = render(
        request, "login.html", {"login_csrf": token, "error": error, "email": email}, status=status
    )
    set_login_cookie(response, request, cookies)
    return response


@routes.get("/login")
@public
async def login_form(request: web.Request) -> web.StreamResponse:
    view = request.get(SESSION)
    if view is not None and view.mfa_verified:
        raise web.HTTPSeeOther(HOME_PATH)
    return _login_page(request)


@routes.post("/login")
@public
async def login_submit(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    wants_json = "application/json" in request.headers.get("Accept", "")  # static/signin.js
    if not email or not password:
        if wants_json:
            return web.json_response({"error": "Enter your email and password."}, status=400)
        return _login_page(request, error="Enter your email and password.", email=email, status=400)
    try:
        step = await begin_sign_in(
            ctx.db,
            ctx.limiter,
            ctx.keys,
            email=email,
            password=password,
            client=client_info(request),
            device_cookie=request.cookies.get(device_cookie(ctx.settings)),
        )
    except (InvalidCredentials, AccountLocked) as exc:
        if wants_json:
            failed: web.StreamResponse = web.json_response({"error": exc.message}, status=exc.http_status)
        else:
            failed = _login_page(request, error=exc.message, email=email, status=exc.http_status)
        if isinstance(exc, AccountLocked):
            failed.headers["Retry-After"] = str(exc.retry_after)
        return failed
    # A session that existed in this browser ends: the new sign-in gets a new session id.
    await sign_out(ctx.db, ctx.keys, request.get(SESSION_TOKEN), client=client_info(request))
    next_path = HOME_PATH if step.complete else MFA_PATH
    response: web.StreamResponse
    if not wants_json:
        response = see_other(next_path)
    elif not step.complete and step.session.mfa_enrolled:
        # signin.js asks for the code on the same page; the form posts to /console/mfa with this token.
        response = web.json_response({"step": "code", "csrf_token": step.session.csrf_token})
    else:
        response = web.json_response({"step": "next", "next": next_path})
    set_session_cookie(response, ctx.settings, step.token)
    return response


def _pending(request: web.Request) -> str:
    view = request.get(SESSION)
    token = request.get(SESSION_TOKEN)
    if view is None or token is None:
        raise web.HTTPSeeOther(LOGIN_PATH)
    if view.mfa_verified:
        raise web.HTTPSeeOther(HOME_PATH)
    return str(token)


async def _mfa_page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    ctx = deps(request)
    enrolment = await sign_in_enrolment(ctx.db, ctx.keys, ctx.pii, token=_pending(request))
    if enrolment is None:
        return render(request, "mfa.html", {"error": error}, status=status)
    return render(
        request,
        "enrol.html",
        {"error": error, "secret": enrolment.secret, "qr": qr_svg(enrolment.uri), "action": MFA_PATH},
        status=status,
    )


@routes.get("/mfa")
@public
async def mfa_form(request: web.Request) -> web.StreamResponse:
    return await _mfa_page(request)


@routes.post("/mfa")
@public
async def mfa_submit(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    token = _pending(request)
    form = await request.post()
    code = str(form.get("code", "")).strip()
    try:
        step = await complete_sign_in(
            ctx.db,
            ctx.limiter,
            ctx.keys,
            ctx.pii,
            token=token,
            code=code,
            client=client_info(request),
            trust_this_device=form.get("trust_device") == "on",
        )
    except InvalidSecondFactor as exc:
        return await _mfa_page(request, error=exc.message, status=401)
    except AccountLocked as exc:
        locked = _login_page(request, error=exc.message, status=429)
        clear_session_cookie(locked, ctx.settings)
        return locked
    except InvalidToken:
        raise web.HTTPSeeOther(LOGIN_PATH) from None
    request[SESSION] = step.session  # the page below renders with the new session's CSRF token
    if step.backup_codes:
        response: web.StreamResponse = render(request, "backup_codes.html", {"codes": step.backup_codes})
    else:
        response = see_other(HOME_PATH)
    set_session_cookie(response, ctx.settings, step.token)
    if step.device_cookie:
        set_device_cookie(response, ctx.settings, step.device_cookie)
    return response


@routes.post("/mfa/passkey/options")
@public
async def passkey_request_options(request: web.Request) -> web.StreamResponse:
    """What navigator.credentials.get() needs to sign this pending sign-in (static/passkeys.js)."""
    ctx = deps(request)
    try:
        options = await passkey_options(ctx.db, ctx.keys, ctx.rp, token=_pending(request))
    except InvalidToken as exc:
        return error_response(exc.message, 401)
    if options is None:
        return error_response("No passkey is set up for this account: use your code.", 404)
    return options_response(options)


@routes.post("/mfa/passkey")
@public
async def passkey_submit(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    token = _pending(request)
    body, credential = await credential_body(request)
    try:
        step = await complete_sign_in_with_passkey(
            ctx.db, ctx.limiter, ctx.keys, ctx.rp, token=token, credential=credential,
            client=client_info(request), trust_this_device=body.get("trust_device") is True,
        )  # fmt: skip
    except InvalidSecondFactor:
        return error_response("That passkey did not work. Try again, or use your code.", 401)
    except AccountLocked as exc:
        locked = error_response(exc.message, 429)
        clear_session_cookie(locked, ctx.settings)
        return locked
    except InvalidToken as exc:
        return error_response(exc.message, 401)
    response = web.json_response({"next": HOME_PATH})
    set_session_cookie(response, ctx.settings, step.token)
    if step.device_cookie:
        set_device_cookie(response, ctx.settings, step.device_cookie)
    return response


@routes.post("/logout")
@public
async def logout(request: web.Request) -> web.StreamResponse:
    """CSRF-checked like every POST (a session's token), so another site cannot sign people out."""
    ctx = deps(request)
    await sign_out(ctx.db, ctx.keys, request.get(SESSION_TOKEN), client=client_info(request))
    response = see_other(LOGIN_PATH)
    clear_session_cookie(response, ctx.settings)
    return response
