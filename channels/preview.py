"""Replies as a channel would show them, as plain text (`ibimina chat`, the console, tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from channels.rendering import WaKind, render_sms, render_telegram, render_whatsapp
from dialogs.vocabulary import Channel, Reply
from ussd.screens import render_screen


def render_preview(channel: Channel, replies: Sequence[Reply]) -> str:
    """Render with the same pure renderers the adapters use; pages/parts/messages are separated by rules."""
    match channel:
        case Channel.USSD:
            return preview_ussd(replies)
        case Channel.SMS:
            return preview_sms(replies)
        case Channel.WHATSAPP:
            return preview_whatsapp(replies)
        case Channel.TELEGRAM:
            return preview_telegram(replies)
        case _:
            return preview_sms(replies)


def preview_ussd(replies: Sequence[Reply]) -> str:
    screen = render_screen(replies)
    pages = [screen.response(i) for i in range(len(screen.pages))]
    return _join(pages, lambda i: f"--- page {i + 1}/{len(pages)} (98) ---")


def preview_sms(replies: Sequence[Reply]) -> str:
    parts = render_sms(replies)
    return _join(parts, lambda i: f"--- SMS {i + 1}/{len(parts)} ---")


def preview_whatsapp(replies: Sequence[Reply]) -> str:
    shown: list[str] = []
    for msg in render_whatsapp(replies):
        lines = [msg.text]
        if msg.kind is WaKind.BUTTONS:
            lines.append(" ".join(f"[{c.title}]" for c in msg.choices))
        elif msg.kind is WaKind.LIST:
            lines.append(f"[{msg.list_button} ▾]")
            lines.extend(
                f"  ( ) {c.title}" + (f" — {c.description}" if c.description else "") for c in msg.choices
            )
        elif msg.kind is WaKind.LINK and msg.link is not None:
            lines.append(f"[{msg.link.title} ↗ {msg.link.url}]")
        elif msg.kind is WaKind.OTP:
            lines.append(f"[Copy code {msg.otp}]")
        shown.append("\n".join(line for line in lines if line))
    return _join(shown, lambda i: "---")


def preview_telegram(replies: Sequence[Reply]) -> str:
    shown: list[str] = []
    for msg in render_telegram(replies):
        lines = [msg.text, *(f"[{c.title}]" for c in msg.choices)]
        if msg.link is not None:
            lines.append(f"[{msg.link.title} ↗]")
        if msg.request_contact:
            lines.append(f"[📱 {msg.contact_button}]")
        shown.append("\n".join(lines))
    return _join(shown, lambda i: "---")


def _join(parts: Sequence[str], rule: Callable[[int], str]) -> str:
    """Parts separated by a rule line naming the next part."""
    return "\n".join(f"{rule(i)}\n{p}" if i else p for i, p in enumerate(parts))
