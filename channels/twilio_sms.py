"""Twilio SMS adapter: X-Twilio-Signature checked with Twilio's RequestValidator against the public URL,
STOP/START honoured, replies sent by REST (AsyncTwilioHttpClient) as numbered text, status callbacks."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import aiohttp
from aiohttp import web
from multidict import MultiDictProxy
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

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
from channels.rendering import render_sms
from core.messaging.identities import set_opted_out
from core.messaging.inbox import InboxItem
from core.messaging.outbox import apply_status
from core.messaging.status import TWILIO_STATUS
from core.phones import try_normalise_phone
from core.settings import Settings
from dialogs.vocabulary import Channel, Inbound, InboundKind, Reply

log = logging.getLogger("channels.twilio")
PATH = "/channels/sms/twilio"
STATUS_PATH = "/channels/sms/twilio/status"
# Twilio's default opt-out keywords (and a Kinyarwanda/French word each), matched on the whole message.
STOP_WORDS = {
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
    "HAGARIKA",
    "ARRET",
}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN", "TANGIRA"}
STOPPED_TEXT = "Ntuzongera kubona SMS zacu. Ohereza START ngo wongere. / You will get no more SMS. Reply START to resume."
STARTED_TEXT = (
    "Murakaza neza! Uzongera kubona SMS zacu. / Welcome back: SMS messages resume. Reply HELP for help."
)
PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614, 30003, 30005, 30006}


def setup(app: web.Application, ctx: ChannelContext) -> None:
    ctx.inbox_routes["twilio"] = InboxRoute(lambda item: work(ctx, item), _sender)
    app.router.add_post(PATH, webhook)
    app.router.add_post(STATUS_PATH, status_callback)


async def _validated_form(request: web.Request) -> MultiDictProxy[str] | web.Response:
    """The posted form when Twilio signed it for our public URL; else the refusal to return."""
    ctx = request.app[CHANNEL_CONTEXT]
    token = secret_value(ctx.settings.twilio_auth_token)
    if token is None:
        return refuse(503, "TWILIO_AUTH_TOKEN is not configured", request)
    if request.content_type != "application/x-www-form-urlencoded":
        return refuse(400, "expected an application/x-www-form-urlencoded form", request)
    try:
        form = await request.post()
    except ValueError as exc:
        return refuse(400, f"unreadable form: {exc}", request)
    signature = request.headers.get("X-Twilio-Signature", "")
    url = ctx.settings.public_base_url.rstrip("/") + request.path_qs  # behind a proxy: the URL Twilio used
    if not signature or not RequestValidator(token).validate(url, form, signature):
        return refuse(403, "X-Twilio-Signature missing or wrong", request, url=url)
    if any(not isinstance(v, str) for v in form.values()):
        return refuse(400, "file uploads are not expected", request)
    return form  # type: ignore[return-value]


async def webhook(request: web.Request) -> web.StreamResponse:
    """Signature and shape first; the empty TwiML answer once the message is stored, the work after it."""
    form = await _validated_form(request)
    if isinstance(form, web.Response):
        return form
    ctx = request.app[CHANNEL_CONTEXT]
    if not (form.get("MessageSid") or form.get("SmsSid")):
        return refuse(400, "MessageSid missing", request)
    if not _is_status(form) and try_normalise_phone(form.get("From")) is None:
        return refuse(400, "From is not a phone number", request)
    return await accept_or_refuse(request, ctx, "twilio", dict(form)) or _twiml()


def _is_status(form: Mapping[str, str]) -> bool:
    """A status callback posted to the message URL (no Body), not a message."""
    return "MessageStatus" in form and "Body" not in form


def _sender(form: Mapping[str, str]) -> str | None:
    return None if _is_status(form) else try_normalise_phone(form.get("From"))


async def work(ctx: ChannelContext, item: InboxItem) -> None:
    """A stored webhook form: a message (STOP/START first) or a status (`item.retry`: see
    channels.base.InboxRoute). The message's time is when the webhook stored it: Twilio's form has none."""
    form: Mapping[str, str] = item.payload
    retry = item.retry
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if _is_status(form):
        await _apply_status(ctx, sid, form["MessageStatus"], form.get("ErrorCode"), retry=retry)
        return
    phone = try_normalise_phone(form.get("From"))
    if phone is None:  # the webhook refused these; a row from elsewhere is logged, not guessed at
        log.warning("stored twilio message %s has no usable From %r", sid, form.get("From"))
        return
    body = form.get("Body", "")
    inbound = Inbound(
        channel=Channel.SMS,
        sender=phone,
        text=body,
        message_id=sid,
        received_at=item.received_at,
        kind=InboundKind.TEXT
        if body.strip() or form.get("NumMedia", "0") == "0"
        else InboundKind.UNSUPPORTED,
        channel_user_id=phone,
    )
    arrival = Arrival(inbound, "twilio", sid, address=phone, recipient=phone, phone=phone)
    keyword = body.strip().upper().rstrip(".!")
    if keyword in STOP_WORDS or keyword in START_WORDS:
        await _opt(ctx, arrival, stop=keyword in STOP_WORDS, retry=retry)
    else:
        await handle_arrival(ctx, arrival, retry=retry)


async def _opt(ctx: ChannelContext, arrival: Arrival, *, stop: bool, retry: bool = False) -> None:
    """The number stops (or resumes) receiving SMS at once; the handler still hears it (the member's
    preference, a confirmation in their language), and that one confirmation is let through."""
    if not await claimed_now(ctx, arrival.provider, arrival.key, retry=retry):
        return
    async with ctx.db.system() as session:
        await set_opted_out(session, channel="sms", address=arrival.address, opted_out=stop)
    log.info("sms %s for %s", "opt-out" if stop else "opt-in", arrival.address)
    confirmation = [Reply(STOPPED_TEXT if stop else STARTED_TEXT)]
    await handle_arrival(ctx, arrival, deduplicated=True, source="optout", fallback=confirmation)


async def status_callback(request: web.Request) -> web.StreamResponse:
    form = await _validated_form(request)
    if isinstance(form, web.Response):
        return form
    sid, status = (
        form.get("MessageSid") or form.get("SmsSid"),
        form.get("MessageStatus") or form.get("SmsStatus"),
    )
    if not sid or not status:
        return refuse(400, "MessageSid and MessageStatus are required", request)
    ctx = request.app[CHANNEL_CONTEXT]
    await _apply_status(ctx, sid, status, form.get("ErrorCode"))
    return _twiml()


async def _apply_status(
    ctx: ChannelContext, sid: str, status: str, error_code: str | None, *, retry: bool = False
) -> None:
    mapped = TWILIO_STATUS.get(status.lower())
    if mapped is None:
        log.info("twilio status %r for %s ignored", status, sid)
        return
    if not await claimed_now(ctx, "twilio", f"status:{sid}:{status.lower()}", retry=retry):
        return
    async with ctx.db.system() as session:
        await apply_status(
            session,
            provider_message_id=sid,
            status=mapped,
            error=f"twilio {error_code}" if error_code else None,
        )


def _twiml() -> web.Response:
    """An empty TwiML answer: replies go by REST through the outbox."""
    return web.Response(text=str(MessagingResponse()), content_type="text/xml")


class TwilioSmsClient:
    """REST sends with the async HTTP client (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)."""

    name = "twilio"
    channel = Channel.SMS

    def __init__(self, settings: Settings, *, http_client: AsyncTwilioHttpClient | None = None) -> None:
        self.http = http_client or AsyncTwilioHttpClient(timeout=15)
        self.client = Client(
            settings.twilio_account_sid, secret_value(settings.twilio_auth_token), http_client=self.http
        )
        self.from_number = settings.twilio_from_number
        self.status_callback = settings.public_base_url.rstrip("/") + STATUS_PATH

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]:
        ids: list[str] = []
        for part in render_sms(replies):
            try:
                message = await self.client.messages.create_async(
                    to=recipient, from_=self.from_number, body=part, status_callback=self.status_callback
                )
            except TwilioRestException as exc:
                retryable = exc.status == 429 or exc.status >= 500
                if exc.code in PERMANENT_CODES:
                    retryable = False
                raise ProviderError(exc.msg, retryable=retryable, code=str(exc.code or exc.status)) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ProviderError(f"network: {exc}", retryable=True) from exc
            ids.append(str(message.sid))
        return ids

    async def close(self) -> None:
        await self.http.close()
