"""USSD screens: everything within 182 characters, numbered choices across pages, paging keys per page."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from dialogs.vocabulary import Choice, Link, Reply
from ussd.screens import SCREEN_LIMIT, plain, render_screen, with_home


def test_a_short_menu_is_one_unpaged_screen() -> None:
    screen = render_screen(
        [Reply("Hello"), Reply("Choose:", choices=(Choice("a", "Balance"), Choice("b", "Loans")))]
    )
    assert screen.response() == "CON Hello\nChoose:\n1. Balance\n2. Loans"
    assert not screen.paged and screen.pages[0].keys == frozenset()
    assert screen.choice_for("2") == Choice("b", "Loans") and screen.choice_for("0") is None


def test_a_final_reply_ends_the_session_and_drops_choices() -> None:
    screen = render_screen([Reply("Done", final=True, choices=(Choice("a", "A"),))])
    assert screen.response() == "END Done" and screen.choices == ()


def test_long_menus_page_with_more_back_and_menu() -> None:
    choices = tuple(Choice(f"c{i}", f"Choice with a fairly long title {i}") for i in range(1, 16))
    screen = render_screen([Reply("Pick one of the services below:", choices=choices)])
    assert len(screen.pages) >= 3
    first, middle, last = screen.pages[0], screen.pages[1], screen.pages[-1]
    assert first.text.endswith("98 More") and first.keys == {"98"}
    assert middle.keys == {"98", "0", "00"} and last.keys == {"0", "00"}
    numbers = [
        line.split(".")[0] for page in screen.pages for line in page.text.splitlines() if "." in line[:3]
    ]
    assert numbers == [str(i) for i in range(1, 16)]  # numbering runs across pages


def test_typographic_characters_become_plain_and_links_show_the_dial_string() -> None:
    screen = render_screen([Reply("Pay with MoMo – it’s easy", link=Link("tel:*182*8*1*502300%23", "Dial"))])
    assert screen.pages[0].text == "Pay with MoMo - it's easy\nDial: *182*8*1*502300#"


@given(st.text(max_size=200))
def test_plain_text_keeps_newlines_and_drops_control_characters(text: str) -> None:
    shown = plain(text)
    assert shown.count("\n") == text.count("\n")
    assert all(ch == "\n" or unicodedata.category(ch)[0] != "C" for ch in shown)
    if text.isascii():  # the fast path changes nothing else
        assert shown == "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")


def test_resumed_pages_offer_the_menu_when_it_fits() -> None:
    page = render_screen([Reply("Amount?", choices=(Choice("a", "1000"),))]).pages[0]
    assert with_home(page).text.endswith("\n00 Menu") and "00" in with_home(page).keys


@given(
    st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=4),
    st.lists(st.text(min_size=1, max_size=80), max_size=20),
    st.booleans(),
)
def test_no_screen_ever_exceeds_the_limit(texts: list[str], titles: list[str], final: bool) -> None:
    replies = [Reply(t) for t in texts[:-1]]
    replies.append(
        Reply(texts[-1], choices=tuple(Choice(str(i), t) for i, t in enumerate(titles)), final=final)
    )
    screen = render_screen(replies)
    assert all(len(p.text) <= SCREEN_LIMIT for p in screen.pages)
    assert screen.response().startswith("END " if final else "CON ")
