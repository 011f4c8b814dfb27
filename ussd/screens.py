"""Replies -> USSD screens: one CON/END text within 182 characters per page, with 98 More / 0 Back / 00 Menu."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from dialogs.vocabulary import Choice, Reply

SCREEN_LIMIT = 182  # characters after "CON "/"END "; some handsets cut at 160, keep text short
NEXT_KEY, BACK_KEY, HOME_KEY = "98", "0", "00"
NEXT_LINE, BACK_LINE, HOME_LINE = f"{NEXT_KEY} More", f"{BACK_KEY} Back", f"{HOME_KEY} Menu"
_WORST_FOOTER = len("\n".join(("", NEXT_LINE, BACK_LINE, HOME_LINE)))
_ASCII_CONTROLS = {code: None for code in (*range(0x20), 0x7F) if code != ord("\n")}
_ASCII_FOR = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "•": "-", "\u00a0": " "}


@dataclass(frozen=True, slots=True)
class UssdPage:
    """One screen as the gateway shows it; `keys` are the paging keys this page shows (and so reserves)."""

    text: str
    keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class UssdScreen:
    """What the replies become on USSD: pages of one screen, the numbered choices, and whether it ends."""

    pages: tuple[UssdPage, ...]
    choices: tuple[Choice, ...] = ()
    final: bool = False

    @property
    def paged(self) -> bool:
        return len(self.pages) > 1

    def response(self, page: int = 0) -> str:
        """The gateway body: `CON text` or `END text`."""
        return ("END " if self.final else "CON ") + self.pages[page].text

    def choice_for(self, answer: str) -> Choice | None:
        """The choice a typed number picks (numbers run across pages), None when it is not one."""
        if answer.isdigit() and not answer.startswith("0"):
            index = int(answer) - 1
            if 0 <= index < len(self.choices):
                return self.choices[index]
        return None


def plain(text: str) -> str:
    """Characters every handset shows: typographic quotes/dashes to ASCII, accents kept (GSM has most)."""
    if text.isascii():  # most screens (Kinyarwanda, English): only control characters can go
        return text.translate(_ASCII_CONTROLS)
    out = "".join(_ASCII_FOR.get(ch, ch) for ch in text)
    return "".join(
        ch for ch in unicodedata.normalize("NFC", out) if ch == "\n" or unicodedata.category(ch)[0] != "C"
    )


def link_line(title: str, url: str) -> str:
    """A link as text: a dial string for tel: links (members dial it), the URL otherwise."""
    target = unquote(url[4:]) if url.startswith("tel:") else url
    return f"{title}: {target}"


def compose(replies: Sequence[Reply]) -> tuple[str, tuple[Choice, ...], bool]:
    """Join replies into one body; the choices are the last reply's that has any; END when one is final."""
    parts: list[str] = []
    choices: tuple[Choice, ...] = ()
    for reply in replies:
        if reply.text:
            parts.append(reply.text.strip())
        if reply.link is not None:
            parts.append(link_line(reply.link.title, reply.link.url))
        if reply.choices:
            choices = reply.choices
    final = any(r.final for r in replies)
    return plain("\n".join(parts)), (() if final else choices), final


def option_lines(choices: Sequence[Choice], width: int = SCREEN_LIMIT) -> list[str]:
    return [_clip(f"{i}. {plain(c.title)}", width) for i, c in enumerate(choices, start=1)]


def render_screen(replies: Sequence[Reply], limit: int = SCREEN_LIMIT) -> UssdScreen:
    """The screen(s) for these replies. An END screen never pages (the session is over): it is clipped."""
    body, choices, final = compose(replies)
    options = option_lines(choices)
    whole = "\n".join(x for x in (body, *options) if x)
    if len(whole) <= limit:
        return UssdScreen((UssdPage(whole),), choices, final)
    if final:
        return UssdScreen((UssdPage(_clip(whole, limit)),), (), True)
    return UssdScreen(_paginate(body, options, limit), choices, False)


def _paginate(body: str, options: list[str], limit: int) -> tuple[UssdPage, ...]:
    room = limit - _WORST_FOOTER
    lines: list[str] = []
    for line in body.splitlines():
        lines.extend(textwrap.wrap(line, room, break_long_words=True) or [""])
    lines.extend(_clip(o, room) for o in options)
    chunks: list[list[str]] = [[]]
    for line in lines:
        candidate = "\n".join([*chunks[-1], line])
        if chunks[-1] and len(candidate) > room:
            chunks.append([line])
        else:
            chunks[-1].append(line)
    pages: list[UssdPage] = []
    last = len(chunks) - 1
    for i, chunk in enumerate(chunks):
        footer = (
            [NEXT_LINE]
            if i == 0
            else [NEXT_LINE, BACK_LINE, HOME_LINE]
            if i < last
            else [BACK_LINE, HOME_LINE]
        )
        keys = frozenset(line.split(" ", 1)[0] for line in footer)
        pages.append(UssdPage("\n".join([*chunk, *footer]), keys))
    return tuple(pages)


def with_home(page: UssdPage, limit: int = SCREEN_LIMIT) -> UssdPage:
    """The page with `00 Menu` added when it fits (a resumed screen offers a way out)."""
    if HOME_KEY in page.keys or len(page.text) + 1 + len(HOME_LINE) > limit:
        return page
    return UssdPage(f"{page.text}\n{HOME_LINE}", page.keys | {HOME_KEY})


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."
