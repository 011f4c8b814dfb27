"""Pure renderers: replies merged into as few messages as possible, in each channel's richest form."""

from __future__ import annotations

from channels.preview import render_preview
from channels.rendering import WaKind, render_sms_text, render_telegram, render_whatsapp
from dialogs.vocabulary import Channel, Choice, Link, Reply

MENU3 = (Choice("bal", "Balance"), Choice("loan", "Loans"), Choice("help", "Help"))
MENU8 = tuple(Choice(f"c{i}", f"Service {i}", "details") for i in range(8))


def test_whatsapp_buttons_lists_and_numbered_text() -> None:
    [buttons] = render_whatsapp([Reply("Hello"), Reply("Choose:", choices=MENU3)])
    assert buttons.kind is WaKind.BUTTONS and buttons.text == "Hello\n\nChoose:" and len(buttons.choices) == 3
    [listing] = render_whatsapp([Reply("Choose:", choices=MENU8, meta={"list_button": "Serivisi"})])
    assert listing.kind is WaKind.LIST and listing.list_button == "Serivisi" and len(listing.choices) == 8
    many = tuple(Choice(str(i), f"Item {i}") for i in range(12))
    [text] = render_whatsapp([Reply("Choose:", choices=many)])
    assert text.kind is WaKind.TEXT and "12. Item 11" in text.text


def test_whatsapp_long_titles_move_into_the_row_description() -> None:
    [msg] = render_whatsapp([Reply("x", choices=(Choice("a", "A very long choice title that overflows"),))])
    assert msg.kind is WaKind.LIST
    row = msg.choices[0]
    assert len(row.title) <= 24 and row.description == "A very long choice title that overflows"


def test_whatsapp_links_and_codes() -> None:
    [link] = render_whatsapp([Reply("Statement ready", link=Link("https://ibimina.rw/s/1", "Open"))])
    assert link.kind is WaKind.LINK and link.link is not None
    [dial] = render_whatsapp([Reply("Pay", link=Link("tel:*182*8*1*502300%23", "Dial"))])
    assert dial.kind is WaKind.TEXT and "*182*8*1*502300#" in dial.text
    [otp] = render_whatsapp([Reply("Your code", otp="481516")])
    assert otp.kind is WaKind.OTP and otp.otp == "481516"


def test_sms_is_numbered_text() -> None:
    assert (
        render_sms_text([Reply("Hi"), Reply("Choose:", choices=MENU3)])
        == "Hi\n\nChoose:\n1. Balance\n2. Loans\n3. Help"
    )


def test_telegram_inline_keyboard_and_contact_request() -> None:
    [msg] = render_telegram([Reply("Choose:", choices=MENU3)])
    assert [c.id for c in msg.choices] == ["bal", "loan", "help"] and not msg.request_contact
    [ask] = render_telegram([Reply("Share your number", request_contact=True)])
    assert ask.request_contact


def test_preview_per_channel() -> None:
    replies = [Reply("Choose:", choices=MENU3)]
    assert render_preview(Channel.USSD, replies) == "CON Choose:\n1. Balance\n2. Loans\n3. Help"
    assert render_preview(Channel.SMS, replies) == "Choose:\n1. Balance\n2. Loans\n3. Help"
    assert render_preview(Channel.WHATSAPP, replies) == "Choose:\n[Balance] [Loans] [Help]"
    assert render_preview(Channel.TELEGRAM, replies) == "Choose:\n[Balance]\n[Loans]\n[Help]"
    assert "--- page 2/" in render_preview(Channel.USSD, [Reply("Choose:", choices=MENU8 * 2)])
