"""The channel registry (priority order) and the one call bot/ makes: mount every adapter on the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from channels import africastalking_ussd, telegram, twilio_sms, whatsapp
from channels.base import CHANNEL_CONTEXT, ChannelContext, ProviderClient, secret_value
from channels.inbound import queue_replies
from channels.sandbox import SandboxClient
from core.settings import Settings
from dialogs.vocabulary import Channel, Reply
from ussd.engine import UssdEngine


@dataclass(frozen=True, slots=True)
class ChannelAdapter:
    """One provider: its channel, how to mount its routes, whether outbound credentials are set, its client."""

    name: str
    channel: Channel
    setup: Callable[[web.Application, ChannelContext], None]
    has_credentials: Callable[[Settings], bool]
    client: Callable[[Settings], ProviderClient]


def _ussd_setup(app: web.Application, ctx: ChannelContext) -> None:
    async def sms_followup(phone: str, replies: Sequence[Reply]) -> None:
        await queue_replies(ctx, channel=Channel.SMS, recipient=phone, phone=phone, replies=replies)

    engine = UssdEngine(ctx.handler, ctx.ussd_store, followup=sms_followup)
    ctx.extras["ussd_engine"] = engine
    africastalking_ussd.setup(app, engine, ctx.settings)


def _never(settings: Settings) -> bool:
    return False


def _no_client(settings: Settings) -> ProviderClient:
    raise RuntimeError("USSD has no outbound client: pushes to USSD members go by SMS")


SHUTDOWN_GRACE = 20.0  # seconds to finish acknowledged work when the service stops

# Explicit, in priority order (the order preferred-channel delivery and the console list them).
CHANNELS: tuple[ChannelAdapter, ...] = (
    ChannelAdapter(
        "whatsapp",
        Channel.WHATSAPP,
        whatsapp.setup,
        lambda s: bool(secret_value(s.whatsapp_access_token) and s.whatsapp_phone_number_id),
        whatsapp.WhatsAppCloudClient,
    ),
    ChannelAdapter(
        "telegram",
        Channel.TELEGRAM,
        telegram.setup,
        lambda s: bool(secret_value(s.telegram_bot_token)),
        telegram.TelegramBotClient,
    ),
    ChannelAdapter(
        "twilio",
        Channel.SMS,
        twilio_sms.setup,
        lambda s: bool(s.twilio_account_sid and secret_value(s.twilio_auth_token) and s.twilio_from_number),
        twilio_sms.TwilioSmsClient,
    ),
    ChannelAdapter("africastalking", Channel.USSD, _ussd_setup, _never, _no_client),
)


def build_clients(settings: Settings) -> dict[Channel, ProviderClient]:
    """A real client per channel whose outbound credentials are set, the sandbox otherwise.
    Call inside the running event loop (HTTP sessions bind to it)."""
    clients: dict[Channel, ProviderClient] = {}
    for adapter in CHANNELS:
        if adapter.channel is Channel.USSD:
            continue
        clients[adapter.channel] = (
            adapter.client(settings) if adapter.has_credentials(settings) else SandboxClient(adapter.channel)
        )
    return clients


def setup_channels(app: web.Application, ctx: ChannelContext) -> None:
    """Mount every adapter's routes; the context carries the injected handler and delivery scheduling."""
    app[CHANNEL_CONTEXT] = ctx
    for adapter in CHANNELS:
        adapter.setup(app, ctx)
    app.on_shutdown.append(_drain)


async def _drain(app: web.Application) -> None:
    ctx = app[CHANNEL_CONTEXT]
    await ctx.drain(grace=SHUTDOWN_GRACE)
    engine = ctx.extras.get("ussd_engine")
    if isinstance(engine, UssdEngine):
        await engine.drain()
