"""Pure renderers: Reply values -> what each chat channel sends (SMS text, WhatsApp and Telegram messages).

No provider library is imported here; the adapters turn these values into API calls, and preview.py prints
them. Replies are merged so a member gets as few messages as possible (WhatsApp allows ~1 per 6 s per user).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from channels.sms_segments import split_sms
from dialogs.vocabulary import Choice, Link, Reply
from ussd.screens import link_line

# WhatsApp Cloud API limits (interactive messages).
WA_TEXT_LIMIT, WA_BODY_LIMIT = 4096, 1024
WA_MAX_BUTTONS, WA_BUTTON_TITLE = 3, 20
WA_MAX_ROWS, WA_ROW_TITLE, WA_ROW_DESCRIPTION, WA_LIST_BUTTON = 10, 24, 72, 20
TG_TEXT_LIMIT, TG_CALLBACK_BYTES = 4096, 64
DEFAULT_LIST_BUTTON = "Menu"
DEFAULT_CONTACT_BUTTON = "Share my phone number"


class WaKind(StrEnum):
    TEXT = "text"
    BUTTONS = "buttons"  # interactive reply buttons (<= 3)
    LIST = "list"  # interactive list (<= 10 rows)
    LINK = "link"  # interactive call-to-action URL button
    OTP = "otp"  # a one-time code: free text inside the 24 h window, authentication template outside


@dataclass(frozen=True, slots=True)
class WhatsAppMessage:
    kind: WaKind
    text: str
    choices: tuple[Choice, ...] = ()
    list_button: str = DEFAULT_LIST_BUTTON
    link: Link | None = None
    otp: str | None = None


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    text: str
    choices: tuple[Choice, ...] = ()  # inline keyboard, one key per row, callback_data = choice id
    link: Link | None = None  # an inline URL key (https only)
    request_contact: bool = False  # a one-time reply keyboard with a "share contact" key
    contact_button: str = DEFAULT_CONTACT_BUTTON


def numbered(choices: Sequence[Choice]) -> list[str]:
    """Choices as lines answerable by number (SMS, long WhatsApp menus, previews)."""
    return [
        f"{i}. {c.title}" + (f" - {c.description}" if c.description else "") for i, c in enumerate(choices, 1)
    ]


def _groups(replies: Sequence[Reply]) -> list[tuple[list[str], Reply | None]]:
    """Text-only replies accumulate and attach to the next reply that carries choices, a link, an OTP or a
    contact request; returns (texts, closing reply or None)."""
    groups: list[tuple[list[str], Reply | None]] = []
    texts: list[str] = []
    for reply in replies:
        if reply.choices or reply.link or reply.otp or reply.request_contact:
            groups.append((texts, reply))
            texts = []
        elif reply.text.strip():
            texts.append(reply.text.strip())
    if texts:
        groups.append((texts, None))
    return groups


def render_sms_text(replies: Sequence[Reply]) -> str:
    """All replies as one text: paragraphs, link lines, numbered choices."""
    paragraphs: list[str] = []
    for reply in replies:
        lines = [reply.text.strip()] if reply.text.strip() else []
        if reply.link is not None:
            lines.append(link_line(reply.link.title, reply.link.url))
        lines.extend(numbered(reply.choices))
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def render_sms(replies: Sequence[Reply]) -> list[str]:
    """The SMS bodies to send: one text, split at sensible boundaries when it is long."""
    return split_sms(render_sms_text(replies))


def render_whatsapp(replies: Sequence[Reply]) -> list[WhatsAppMessage]:
    out: list[WhatsAppMessage] = []
    for texts, closing in _groups(replies):
        if closing is None:
            out.extend(_wa_text("\n\n".join(texts)))
            continue
        body = "\n\n".join([*texts, closing.text.strip()] if closing.text.strip() else texts)
        if closing.otp:
            out.append(WhatsAppMessage(WaKind.OTP, body, otp=closing.otp))
        elif closing.choices:
            out.extend(_wa_choices(body, closing))
        elif closing.link is not None and closing.link.url.startswith("https://"):
            out.append(
                WhatsAppMessage(
                    WaKind.LINK, _clip(body or closing.link.title, WA_BODY_LIMIT), link=closing.link
                )
            )
        else:
            extra = [link_line(closing.link.title, closing.link.url)] if closing.link else []
            out.extend(_wa_text("\n".join([body, *extra]).strip()))
    return out


def _wa_choices(body: str, reply: Reply) -> list[WhatsAppMessage]:
    choices = reply.choices
    lead: list[WhatsAppMessage] = []
    if reply.link is not None:
        body = f"{body}\n{link_line(reply.link.title, reply.link.url)}".strip()
    if len(body) > WA_BODY_LIMIT:  # interactive bodies are short: send the long part as text first
        head, _, tail = body.rpartition("\n\n")
        if head and len(tail) <= WA_BODY_LIMIT:
            lead, body = _wa_text(head), tail
        else:
            lead, body = _wa_text(body), "..."
    body = body or "..."
    if len(choices) <= WA_MAX_BUTTONS and all(len(c.title) <= WA_BUTTON_TITLE for c in choices):
        return [*lead, WhatsAppMessage(WaKind.BUTTONS, body, choices)]
    if len(choices) <= WA_MAX_ROWS:
        rows = tuple(_row(c) for c in choices)
        button = reply.meta.get("list_button", DEFAULT_LIST_BUTTON)[:WA_LIST_BUTTON]
        return [*lead, WhatsAppMessage(WaKind.LIST, body, rows, list_button=button)]
    text = "\n".join([body, *numbered(choices)])  # more than a list holds: answer by number
    return [*lead, *_wa_text(text)]


def _row(choice: Choice) -> Choice:
    if len(choice.title) <= WA_ROW_TITLE:
        description = choice.description
        title = choice.title
    else:  # keep the full title readable in the description line
        title = _clip(choice.title, WA_ROW_TITLE)
        description = choice.title if not choice.description else f"{choice.title} - {choice.description}"
    return Choice(choice.id, title, _clip(description, WA_ROW_DESCRIPTION) if description else None)


def _wa_text(text: str) -> list[WhatsAppMessage]:
    return [WhatsAppMessage(WaKind.TEXT, part) for part in _chunks(text, WA_TEXT_LIMIT)]


def render_telegram(replies: Sequence[Reply]) -> list[TelegramMessage]:
    out: list[TelegramMessage] = []
    for texts, closing in _groups(replies):
        if closing is None:
            out.extend(TelegramMessage(p) for p in _chunks("\n\n".join(texts), TG_TEXT_LIMIT))
            continue
        body = "\n\n".join([*texts, closing.text.strip()] if closing.text.strip() else texts)
        link = closing.link if closing.link and closing.link.url.startswith("https://") else None
        if closing.link is not None and link is None:
            body = f"{body}\n{link_line(closing.link.title, closing.link.url)}".strip()
        if closing.otp and closing.otp not in body:
            body = f"{body}\n{closing.otp}".strip()
        *lead, last = _chunks(body or "...", TG_TEXT_LIMIT)
        out.extend(TelegramMessage(p) for p in lead)
        button = closing.meta.get("contact_button", DEFAULT_CONTACT_BUTTON)
        out.append(TelegramMessage(last, closing.choices, link, closing.request_contact, button))
    return out


def telegram_callback_data(choice: Choice) -> str:
    """callback_data is limited to 64 bytes; choice ids are short by convention, longer ones are cut."""
    return choice.id.encode()[:TG_CALLBACK_BYTES].decode(errors="ignore")


def _chunks(text: str, limit: int) -> list[str]:
    text = text.strip()
    if not text:
        return []
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
