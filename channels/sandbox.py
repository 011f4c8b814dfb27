"""The sandbox provider: used when a channel's outbound credentials are unset. Nothing leaves the machine;
the outbox row is marked sent with provider 'sandbox' and what would have been sent is kept in memory."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from channels.base import SendOptions
from channels.preview import render_preview
from dialogs.vocabulary import Channel, Reply

log = logging.getLogger("channels.sandbox")


@dataclass(frozen=True, slots=True)
class SandboxSend:
    recipient: str
    preview: str  # rendered exactly as the real channel would show it
    message_ids: tuple[str, ...]


@dataclass
class SandboxClient:
    channel: Channel
    name: str = "sandbox"
    sent: list[SandboxSend] = field(default_factory=list)
    keep: int = 200

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]:
        preview = render_preview(self.channel, replies)
        ids = [f"sandbox-{secrets.token_hex(8)}"]
        self.sent.append(SandboxSend(recipient, preview, tuple(ids)))
        del self.sent[: -self.keep]
        log.info("sandbox %s -> %s: %s", self.channel, recipient, preview.replace("\n", " | ")[:200])
        return ids

    async def close(self) -> None:
        return None
