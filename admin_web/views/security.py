"""The signed-in user's own security: a new authenticator, passkeys, backup codes, trusted devices, other
sessions."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import client_info, current_session, require
from admin_web.context import deps
from admin_web.qr import qr_svg
from admin_web.render import render
from admin_web.scoped import path_id
from admin_web.webauthn_json import credential_body, error_response, options_response
from core.errors import InvalidInput
from core.identity.errors import InvalidSecondFactor
from core.identity.passkeys import PasskeyRefused
from core.identity.permissions import Permission
from core.identity.staff_security import (
    confirm_new_authenticator,
    finish_passkey,
    forget_device,
    forget_passkey,
    regenerate_backup_codes,
    security_overview,
    sign_out_other_sessions,
    start_new_authenticator,
    start_passkey,
)

routes = web.RouteTableDef()
SECURITY_PATH = "/console/security"
CONFIRM_PATH = "/console/security/totp/confirm"


@routes.get("/security")
@require(Permission.OWN_SECURITY)
async def overview(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    return render(
        request,
        "security.html",
        {"overview": await security_overview(ctx.db, ctx.pii, current_session(request))},
    )


@routes.post("/security/totp")
@require(Permission.OWN_SECURITY)
async def new_authenticator(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    enrolment = await start_new_authenticator(ctx.db, ctx.pii, current_session(request))
    return render(
        request,
        "enrol.html",
        {"secret": enrolment.secret, "qr": qr_svg(enrolment.uri), "action": CONFIRM_PATH, "error": None},
    )


@routes.post("/security/totp/confirm")
@require(Permission.OWN_SECURITY)
async def confirm_authenticator(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    me = current_session(request)
    code = str((await request.post()).get("code", ""))
    try:
        codes = await confirm_new_authenticator(
            ctx.db, ctx.keys, ctx.pii, me, code=code, client=client_info(request)
        )
    except InvalidSecondFactor as exc:
        overview_now = await security_overview(ctx.db, ctx.pii, me)
        pending = overview_now.pending
        if pending is None:
            raise
        return render(
            request,
            "enrol.html",
            {
                "secret": pending.secret,
                "qr": qr_svg(pending.uri),
                "action": CONFIRM_PATH,
                "error": exc.message,
            },
            status=401,
        )
    return render(request, "backup_codes.html", {"codes": codes})


@routes.post("/security/backup-codes")
@require(Permission.OWN_SECURITY)
async def new_backup_codes(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    codes = await regenerate_backup_codes(
        ctx.db, ctx.keys, current_session(request), client=client_info(request)
    )
    return render(request, "backup_codes.html", {"codes": codes})


@routes.post("/security/devices/{device_id}/revoke")
@require(Permission.OWN_SECURITY)
async def revoke_device(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["device_id"]
    if not raw.isdigit():
        raise InvalidInput("not a device")
    ctx = deps(request)
    await forget_device(ctx.db, current_session(request), device_id=int(raw), client=client_info(request))
    raise web.HTTPSeeOther(SECURITY_PATH)


@routes.post("/security/sessions/revoke-others")
@require(Permission.OWN_SECURITY)
async def revoke_other_sessions(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    await sign_out_other_sessions(ctx.db, current_session(request), client=client_info(request))
    raise web.HTTPSeeOther(SECURITY_PATH)


@routes.post("/security/passkeys/options")
@require(Permission.OWN_SECURITY)
async def passkey_creation_options(request: web.Request) -> web.StreamResponse:
    """What navigator.credentials.create() needs (static/passkeys.js)."""
    ctx = deps(request)
    try:
        return options_response(await start_passkey(ctx.db, ctx.rp, current_session(request)))
    except InvalidInput as exc:
        return error_response(exc.message, 422)


@routes.post("/security/passkeys")
@require(Permission.OWN_SECURITY)
async def add_passkey(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    body, credential = await credential_body(request)
    try:
        added = await finish_passkey(ctx.db, ctx.rp, current_session(request),
                                     credential=credential, label=str(body.get("label") or ""),
                                     client=client_info(request))  # fmt: skip
    except PasskeyRefused as exc:
        return error_response(exc.message, 422)
    return web.json_response({"id": added.id, "label": added.label})


@routes.post("/security/passkeys/{passkey_id}/remove")
@require(Permission.OWN_SECURITY)
async def remove_passkey(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    await forget_passkey(ctx.db, current_session(request), passkey_id=path_id(request, "passkey_id"),
                         client=client_info(request))  # fmt: skip
    raise web.HTTPSeeOther(SECURITY_PATH)
