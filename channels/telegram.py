"""Telegram adapter (python-telegram-bot, webhook mode, no updater): secret-token check, Update.de_json,
inline keyboards answered, and linking a chat to a phone when the member shares their own contact."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

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
from channels.inbound import Arrival, answering, claimed_now, handle_arrival, queue_replies
from channels.rendering import TelegramMessage, render_telegram, telegram_callback_data
from core.messaging.identities import identity, link_phone
from core.phones import try_normalise_phone
from core.settings import Settings
from dialogs.vocabulary import Channel, Inbound, InboundKind, Reply

log = logging.getLogger("channels.telegram")
PATH = "/channels/telegram/{secret_path}"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# The update kinds process() answers; Telegram is asked for these only (edits, polls, joins are not sent).
ALLOWED_UPDATES = ("message", "callback_query")
NOT_YOUR_CONTACT = (
    "Sangiza nimero yawe ukoresheje buto iri hasi. / Please share your own number with the button below."
)


def setup(app: web.Application, ctx: ChannelContext) -> None:
    ctx.inbox_routes["telegram"] = InboxRoute(lambda item: work(ctx, item.payload, retry=item.retry), _sender)
    app.router.add_post(PATH, webhook)


def webhook_path(secret: str) -> str:
    """The path registered with Telegram. The segment is a digest of the secret: stable, and the URL (which ends
    up in proxy logs) reveals nothing. The route accepts any segment; the secret-token header authenticates."""
    segment = hashlib.sha256(b"ibimina-telegram-webhook:" + secret.encode()).hexdigest()[:32]
    return PATH.format(secret_path=segment)


async def webhook(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CHANNEL_CONTEXT]
    secret = secret_value(ctx.settings.telegram_webhook_secret)
    if secret is None:
        return refuse(503, "TELEGRAM_WEBHOOK_SECRET is not configured", request)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return refuse(403, f"{SECRET_HEADER} missing or wrong", request)
    try:
        data = json.loads(await request.read())
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("update_id missing")
        Update.de_json(data, ctx.extras.get("telegram_bot"))
    except (ValueError, TypeError, KeyError) as exc:
        return refuse(400, f"not a Telegram update: {exc}", request)
    return await accept_or_refuse(request, ctx, "telegram", data) or web.Response(text="ok")


def _sender(data: Mapping[str, Any]) -> str | None:
    """The Telegram user a stored update is from (orders one user's updates)."""
    for kind in ALLOWED_UPDATES:
        user = (data.get(kind) or {}).get("from") or {}
        if user.get("id") is not None:
            return f"telegram:{user['id']}"
    return None


async def work(ctx: ChannelContext, data: Mapping[str, Any], *, retry: bool = False) -> None:
    """A stored update (`retry`: see channels.base.InboxRoute)."""
    await process(ctx, Update.de_json(dict(data), ctx.extras.get("telegram_bot")), retry=retry)


async def process(ctx: ChannelContext, update: Update, *, retry: bool = False) -> None:
    if not await claimed_now(ctx, "telegram", str(update.update_id), retry=retry):
        return
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or (update.message is None and update.callback_query is None):
        log.info("telegram update %s has nothing to answer", update.update_id)
        return
    address, chat_id = str(user.id), str(chat.id)
    async with ctx.db.system() as session:
        known = await identity(session, "telegram", address)
    phone = known.phone if known is not None and known.linked_at is not None else None
    kind, text, choice_id, contact_phone = InboundKind.TEXT, "", None, None
    if (query := update.callback_query) is not None:
        await _answer_callback(ctx, query.id)
        kind, choice_id = InboundKind.CHOICE, query.data or ""
        text = _button_title(query.message, choice_id) if query.message is not None else choice_id
    elif (message := update.message) is not None:
        if message.contact is not None:
            if message.contact.user_id != user.id:
                await queue_replies(
                    ctx, channel=Channel.TELEGRAM, recipient=chat_id, phone=phone,
                    replies=[Reply(NOT_YOUR_CONTACT, request_contact=True)],
                    reply_to=answering("telegram", str(update.update_id)),
                )  # fmt: skip
                return
            contact_phone = try_normalise_phone(message.contact.phone_number)
            if contact_phone is None:
                log.warning("telegram contact with an unusable number from %s", address)
                return
            async with ctx.db.system() as session:
                await link_phone(
                    session, channel="telegram", address=address, phone=contact_phone, chat_id=chat_id
                )
            phone, kind, text = contact_phone, InboundKind.CONTACT, contact_phone
        elif message.text is not None:
            text = message.text
            kind = (
                InboundKind.SESSION_START
                if text.split(maxsplit=1)[0] in ("/start", "/menu")
                else InboundKind.TEXT
            )
        else:
            kind = InboundKind.UNSUPPORTED
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        sender=phone or f"telegram:{address}",
        text=text,
        message_id=str(update.update_id),
        received_at=_when(update),
        kind=kind,
        choice_id=choice_id,
        session_id=chat_id,
        channel_user_id=address,
        contact_phone=contact_phone,
        profile_name=user.full_name,
    )
    arrival = Arrival(inbound, "telegram", str(update.update_id), address, chat_id, phone, chat_id=chat_id)
    await handle_arrival(ctx, arrival, deduplicated=True)


def _button_title(message: Any, data: str) -> str:
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return data


def _when(update: Update) -> datetime:
    message = update.message or (update.callback_query.message if update.callback_query else None)
    date = getattr(message, "date", None)
    return date if isinstance(date, datetime) and update.callback_query is None else datetime.now(UTC)


async def _answer_callback(ctx: ChannelContext, query_id: str) -> None:
    """Stop the button's spinner; nothing to do in sandbox mode."""
    client = ctx.clients.get(Channel.TELEGRAM)
    if isinstance(client, TelegramBotClient):
        try:
            await client.bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.warning("answer_callback_query %s failed: %s", query_id, exc)


def reply_markup(msg: TelegramMessage) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if msg.request_contact:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(msg.contact_button, request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
    rows = [[InlineKeyboardButton(c.title, callback_data=telegram_callback_data(c))] for c in msg.choices]
    if msg.link is not None:
        rows.append([InlineKeyboardButton(msg.link.title, url=msg.link.url)])
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramBotClient:
    """Sends with the Bot API (TELEGRAM_BOT_TOKEN); the recipient is the chat id."""

    name = "telegram"
    channel = Channel.TELEGRAM

    def __init__(self, settings: Settings, *, bot: Bot | None = None) -> None:
        self.bot = bot or Bot(
            secret_value(settings.telegram_bot_token) or "", base_url=settings.telegram_api_base_url
        )

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]:
        ids: list[str] = []
        for msg in render_telegram(replies):
            try:
                sent = await self.bot.send_message(
                    chat_id=int(recipient), text=msg.text, reply_markup=reply_markup(msg)
                )
            except RetryAfter as exc:
                delay = (
                    exc.retry_after
                    if isinstance(exc.retry_after, int | float)
                    else exc.retry_after.total_seconds()
                )
                raise ProviderError(str(exc), retryable=True, retry_after=float(delay), code="429") from exc
            except (Forbidden, BadRequest) as exc:
                raise ProviderError(exc.message, retryable=False, code=type(exc).__name__) from exc
            except NetworkError as exc:
                raise ProviderError(f"network: {exc.message}", retryable=True) from exc
            ids.append(f"{recipient}:{sent.message_id}")
        return ids

    async def close(self) -> None:
        await self.bot.shutdown()
