"""WhatsApp Cloud API adapter (pywa_async): verification, signed webhooks acknowledged at once and processed
after, messages and statuses parsed with pywa's types, and sending text, buttons, lists, links and OTPs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web
from pywa import errors as wa_errors
from pywa.types.base_update import RawUpdate
from pywa.types.others import MessageType
from pywa.types.templates import AuthenticationBody, CopyCodeOTPButton, TemplateLanguage
from pywa_async.client import WhatsApp
from pywa_async.types.callback import (
    Button,
    CallbackButton,
    CallbackSelection,
    Section,
    SectionList,
    SectionRow,
    URLButton,
)
from pywa_async.types.message import Message
from pywa_async.types.message_status import MessageStatus

from channels.base import (
    CHANNEL_CONTEXT,
    ChannelContext,
    InboxRoute,
    ProviderError,
    SendOptions,
    accept_or_refuse,
    refuse,
    secret_value,
)
from channels.inbound import Arrival, claimed_now, handle_arrival
from channels.rendering import WaKind, WhatsAppMessage, render_whatsapp
from core.messaging.outbox import apply_status
from core.messaging.status import WHATSAPP_STATUS
from core.phones import try_normalise_phone
from core.settings import Settings
from dialogs.vocabulary import Channel, Inbound, InboundKind, Reply

log = logging.getLogger("channels.whatsapp")
PATH = "/channels/whatsapp"
OTP_TEMPLATE = "ibimina_otp"  # an approved AUTHENTICATION template with a copy-code button
TEMPLATE_LANGUAGES = {
    "rw": TemplateLanguage.KINYARWANDA,
    "en": TemplateLanguage.ENGLISH,
    "fr": TemplateLanguage.FRENCH,
}
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133016}
SILENT_TYPES = {"reaction", "system", "edit", "revoke", "ephemeral"}  # nothing to answer
_KNOWN_TYPES = {t.value for t in MessageType}


def parser_client(settings: Settings) -> WhatsApp:
    """A pywa client for webhooks (verification, signatures, typed updates); never sends."""
    return WhatsApp(
        phone_id=settings.whatsapp_phone_number_id,
        token=None,
        verify_token=secret_value(settings.whatsapp_verify_token),
        app_secret=secret_value(settings.whatsapp_app_secret),
        validate_updates=True,
        filter_updates=False,  # phone-number filtering is the router's business, not pywa's
        skip_duplicate_updates=False,  # pywa's cache is per process; we de-duplicate across processes
    )


def setup(app: web.Application, ctx: ChannelContext) -> None:
    wa = ctx.extras["whatsapp_parser"] = parser_client(ctx.settings)
    ctx.inbox_routes["whatsapp"] = InboxRoute(
        lambda item: process(ctx, wa, item.payload, retry=item.retry), _first_sender
    )
    app.router.add_get(PATH, verify)
    app.router.add_post(PATH, webhook)


async def verify(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CHANNEL_CONTEXT]
    if secret_value(ctx.settings.whatsapp_verify_token) is None:
        return refuse(503, "WHATSAPP_VERIFY_TOKEN is not configured", request)
    query = request.query
    if query.get("hub.mode") != "subscribe" or "hub.challenge" not in query:
        return refuse(400, "expected hub.mode=subscribe and hub.challenge", request)
    wa: WhatsApp = ctx.extras["whatsapp_parser"]
    challenge, status = await wa.webhook_challenge_handler(
        vt=query.get("hub.verify_token"), ch=query["hub.challenge"]
    )
    if status != 200:
        return refuse(403, "verify token does not match", request)
    return web.Response(text=challenge or "", content_type="text/plain")


async def webhook(request: web.Request) -> web.StreamResponse:
    """Signature first, then shape; 200 once the notification is stored, the work continues after it."""
    ctx = request.app[CHANNEL_CONTEXT]
    if secret_value(ctx.settings.whatsapp_app_secret) is None:
        return refuse(503, "WHATSAPP_APP_SECRET is not configured", request)
    body = await request.read()
    wa: WhatsApp = ctx.extras["whatsapp_parser"]
    if await wa.webhook_update_validator(update=body, hmac_header=request.headers.get("X-Hub-Signature-256")):
        return refuse(403, "X-Hub-Signature-256 missing or wrong", request)
    try:
        data = json.loads(body)
    except ValueError:
        return refuse(400, "body is not JSON", request)
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        return refuse(400, "not a whatsapp_business_account notification", request)
    if not isinstance(data.get("entry"), list):
        return refuse(400, "entry[] missing", request)
    return await accept_or_refuse(request, ctx, "whatsapp", data) or web.Response(text="ok")


def _first_sender(data: Mapping[str, Any]) -> str | None:
    """Who the notification is from (orders one member's messages); None for status-only posts."""
    for entry in data["entry"]:
        for change in (entry or {}).get("changes") or []:
            for msg in ((change or {}).get("value") or {}).get("messages") or []:
                if isinstance(msg, dict) and msg.get("from"):
                    return f"whatsapp:{msg['from']}"
    return None


@dataclass(frozen=True, slots=True)
class StatusEvent:
    message_id: str
    status: str
    error: str | None


async def process(ctx: ChannelContext, wa: WhatsApp, data: Mapping[str, Any], *, retry: bool = False) -> None:
    """Every message and status of a stored notification (`retry`: see channels.base.InboxRoute)."""
    for event in parse(wa, data):
        if isinstance(event, StatusEvent):
            await _apply(ctx, event, retry=retry)
        else:
            await handle_arrival(ctx, event, retry=retry)


def parse(wa: WhatsApp, data: Mapping[str, Any]) -> Iterator[Arrival | StatusEvent]:
    """Every message and status of every entry/change, each parsed by pywa as a one-item update."""
    for entry in data.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            contacts = value.get("contacts") or []
            for msg in value.get("messages") or []:
                try:
                    arrival = _arrival(wa, entry, value, msg, contacts)
                except (KeyError, TypeError, ValueError):
                    log.warning("malformed whatsapp message skipped: %s", str(msg)[:300])
                    continue
                if arrival is not None:
                    yield arrival
            for st in value.get("statuses") or []:
                try:
                    yield _status(wa, entry, value, st)
                except (KeyError, TypeError, ValueError):
                    log.warning("malformed whatsapp status skipped: %s", str(st)[:300])


def _single(entry: dict[str, Any], value: dict[str, Any], **items: Any) -> RawUpdate:
    one = {"object": "whatsapp_business_account", "entry": [{"id": entry.get("id", ""), "changes": [
        {"field": "messages", "value": {**value, **items}}]}]}  # fmt: skip
    return RawUpdate(json.dumps(one).encode(), hmac_header=None, update_hash="")


def _contact_for(wa_id: str, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """pywa 4.5 expects BSUID-era contacts (user_id); classic payloads carry only wa_id."""
    found = next(
        (c for c in contacts if c.get("wa_id") == wa_id or c.get("user_id") == wa_id), {"wa_id": wa_id}
    )
    return {**found, "user_id": found.get("user_id") or found.get("wa_id") or wa_id}


def _arrival(wa: WhatsApp, entry: Any, value: Any, msg: dict[str, Any], contacts: Any) -> Arrival | None:
    sender_id = msg.get("from") or msg.get("from_user_id") or ""
    raw = _single(entry, value, messages=[msg], contacts=[_contact_for(sender_id, contacts)])
    mtype = msg["type"]
    if mtype in SILENT_TYPES:
        log.info("whatsapp %s update %s needs no answer", mtype, msg.get("id"))
        return None
    kind, text, choice_id = InboundKind.UNSUPPORTED, "", None
    if mtype == "interactive" and msg["interactive"].get("type") == "list_reply":
        sel = CallbackSelection.from_update(wa, raw)
        parsed: Any = sel
        kind, text, choice_id = InboundKind.CHOICE, sel.title, str(sel.data)
    elif (mtype == "interactive" and msg["interactive"].get("type") == "button_reply") or mtype == "button":
        btn = CallbackButton.from_update(wa, raw)
        parsed = btn
        kind, text, choice_id = InboundKind.CHOICE, btn.title, str(btn.data)
    elif mtype in _KNOWN_TYPES:
        parsed = Message.from_update(wa, raw)
        if parsed.type == MessageType.TEXT:
            kind, text = InboundKind.TEXT, parsed.text or ""
        elif parsed.type == MessageType.REQUEST_WELCOME:
            kind = InboundKind.SESSION_START
    else:  # a type newer than pywa: still answered politely
        parsed = None
    user = parsed.from_user if parsed is not None else None
    wa_id = (user.wa_id if user else None) or msg.get("from") or ""
    phone = try_normalise_phone("+" + wa_id) if wa_id else None
    inbound = Inbound(
        channel=Channel.WHATSAPP,
        sender=phone or f"whatsapp:{wa_id or (user.bsuid if user else '')}",
        text=text,
        message_id=str(msg["id"]),
        received_at=parsed.timestamp if parsed is not None else _ts(msg),
        kind=kind,
        choice_id=choice_id,
        channel_user_id=wa_id or None,
        profile_name=user.name if user else None,
    )
    return Arrival(
        inbound, "whatsapp", f"msg:{msg['id']}", address=wa_id, recipient=phone or wa_id, phone=phone
    )


def _status(wa: WhatsApp, entry: Any, value: Any, st: dict[str, Any]) -> StatusEvent:
    rid = st.get("recipient_id") or st.get("recipient_user_id") or ""
    raw = _single(entry, value, statuses=[st], contacts=[_contact_for(rid, value.get("contacts") or [])])
    parsed = MessageStatus.from_update(wa, raw)
    error = f"{parsed.error.code} {parsed.error.message}" if parsed.error else None
    return StatusEvent(parsed.id, str(parsed.status), error)


async def _apply(ctx: ChannelContext, event: StatusEvent, *, retry: bool = False) -> None:
    status = WHATSAPP_STATUS.get(event.status)
    if status is None:
        log.info("whatsapp status %r ignored", event.status)
        return
    if not await claimed_now(ctx, "whatsapp", f"status:{event.message_id}:{event.status}", retry=retry):
        return
    async with ctx.db.system() as session:
        changed = await apply_status(
            session, provider_message_id=event.message_id, status=status, error=event.error
        )
    log.info("whatsapp status %s for %s: %d row(s) moved", event.status, event.message_id, changed)


def _ts(msg: dict[str, Any]) -> Any:
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(int(msg.get("timestamp") or 0), UTC)
        if msg.get("timestamp")
        else datetime.now(UTC)
    )


class WhatsAppCloudClient:
    """Sends through the Cloud API with pywa_async (WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID)."""

    name = "whatsapp"
    channel = Channel.WHATSAPP

    def __init__(self, settings: Settings, *, session: httpx.AsyncClient | None = None) -> None:
        self.session = session or httpx.AsyncClient(timeout=15.0)
        self.wa = WhatsApp(
            phone_id=settings.whatsapp_phone_number_id,
            token=secret_value(settings.whatsapp_access_token),
            session=self.session,
            validate_updates=False,
        )

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]:
        to = recipient.lstrip("+")
        language = next((r.meta["lang"] for r in replies if r.meta.get("lang")), "en")
        ids: list[str] = []
        for msg in render_whatsapp(replies):
            try:
                ids.append(await self._send_one(to, msg, options, language))
            except wa_errors.WhatsAppError as exc:
                raise _provider_error(exc) from exc
            except httpx.HTTPError as exc:
                raise ProviderError(f"network: {exc}", retryable=True) from exc
        return ids

    async def _send_one(self, to: str, msg: WhatsAppMessage, options: SendOptions, language: str) -> str:
        wa = self.wa
        if msg.kind is WaKind.OTP and msg.otp and not options.window_open:
            sent_t = await wa.send_template(
                to=to,
                name=OTP_TEMPLATE,
                language=TEMPLATE_LANGUAGES.get(language, TemplateLanguage.ENGLISH),
                params=[AuthenticationBody.params(otp=msg.otp), CopyCodeOTPButton.params(otp=msg.otp)],
            )
            return str(sent_t.id)
        buttons: Any = None
        if msg.kind is WaKind.BUTTONS:
            buttons = [Button(title=c.title, callback_data=c.id) for c in msg.choices]
        elif msg.kind is WaKind.LIST:
            rows = [
                SectionRow(title=c.title, callback_data=c.id, description=c.description) for c in msg.choices
            ]
            buttons = SectionList(
                button_title=msg.list_button, sections=[Section(title=msg.list_button, rows=rows)]
            )
        elif msg.kind is WaKind.LINK and msg.link is not None:
            buttons = URLButton(title=msg.link.title[:20], url=msg.link.url)
        text = msg.text
        if msg.kind is WaKind.OTP and msg.otp and msg.otp not in text:
            text = f"{text}\n*{msg.otp}*".strip()
        sent = await wa.send_message(to=to, text=text, buttons=buttons)
        return str(sent.id)

    async def close(self) -> None:
        await self.session.aclose()


def _provider_error(exc: wa_errors.WhatsAppError) -> ProviderError:
    retryable = exc.code in RETRYABLE_CODES or bool(exc.is_transient) or (exc.status_code or 0) >= 500
    retry_after = 6.0 if exc.code == 131056 else None
    return ProviderError(
        f"{exc.message} ({exc.details or ''})",
        retryable=retryable,
        retry_after=retry_after,
        code=str(exc.code),
    )
