"""The real provider clients build the provider's requests (no network: recorded transports answer)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from telegram import Bot
from telegram.request import BaseRequest, RequestData
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

from channels.base import ProviderError, SendOptions
from channels.telegram import TelegramBotClient
from channels.twilio_sms import TwilioSmsClient
from channels.whatsapp import OTP_TEMPLATE, WhatsAppCloudClient
from core.settings import load_settings
from dialogs.vocabulary import Choice, Reply

SETTINGS = load_settings(
    _env_file=None,
    WHATSAPP_ACCESS_TOKEN="EAAtest",
    WHATSAPP_PHONE_NUMBER_ID="106540352242922",
    TWILIO_ACCOUNT_SID="ACtest",
    TWILIO_AUTH_TOKEN="token",
    TWILIO_FROM_NUMBER="+250780000000",
    TELEGRAM_BOT_TOKEN="123:ABC",
    PUBLIC_BASE_URL="https://ibimina.example.rw",
)


def graph(requests: list[dict[str, Any]], *, fail: dict[str, Any] | None = None) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append({"url": str(request.url), **body})
        if fail is not None:
            return httpx.Response(400, json={"error": fail})
        return httpx.Response(200, json={"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                          "messages": [{"id": f"wamid.sent{len(requests)}"}]})  # fmt: skip

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_whatsapp_sends_buttons_lists_and_an_otp_template_outside_the_window() -> None:
    sent: list[dict[str, Any]] = []
    client = WhatsAppCloudClient(SETTINGS, session=graph(sent))
    menu = tuple(Choice(f"c{i}", f"Service {i}") for i in range(5))
    ids = await client.send("+250788000001", [Reply("Hi", choices=menu[:3])], SendOptions(window_open=True))
    ids += await client.send("+250788000001", [Reply("More", choices=menu)], SendOptions(window_open=True))
    ids += await client.send(
        "+250788000001", [Reply("Code", otp="481516", meta={"lang": "rw"})], SendOptions(window_open=False)
    )
    assert ids == ["wamid.sent1", "wamid.sent2", "wamid.sent3"]
    buttons, listing, template = sent
    assert buttons["url"].endswith("/106540352242922/messages") and buttons["to"] == "250788000001"
    assert buttons["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in buttons["interactive"]["action"]["buttons"]] == ["c0", "c1", "c2"]
    assert listing["interactive"]["type"] == "list"
    assert len(listing["interactive"]["action"]["sections"][0]["rows"]) == 5
    assert template["type"] == "template" and template["template"]["name"] == OTP_TEMPLATE
    assert template["template"]["language"]["code"] == "rw_RW"
    assert "481516" in json.dumps(template["template"]["components"])
    await client.close()


@pytest.mark.parametrize(
    ("code", "retryable"), [(131056, True), (130429, True), (131026, False), (131047, False)]
)
async def test_whatsapp_errors_map_to_retry_or_give_up(code: int, retryable: bool) -> None:
    fail = {
        "message": "error",
        "type": "OAuthException",
        "code": code,
        "error_data": {"details": "d"},
        "fbtrace_id": "A",
    }
    client = WhatsAppCloudClient(SETTINGS, session=graph([], fail=fail))
    with pytest.raises(ProviderError) as caught:
        await client.send("+250788000001", [Reply("hi")], SendOptions())
    assert (caught.value.retryable, caught.value.code) == (retryable, str(code))
    await client.close()


class RecordingTwilioHttp(AsyncTwilioHttpClient):
    def __init__(self, status: int = 201) -> None:
        super().__init__(pool_connections=False)
        self.status = status
        self.requests: list[dict[str, Any]] = []

    async def request(self, method: str, url: str, params: Any = None, data: Any = None, headers: Any = None,
                      auth: Any = None, timeout: Any = None, allow_redirects: bool = False) -> Response:  # fmt: skip
        self.requests.append({"method": method, "url": url, **(data or {})})
        if self.status >= 400:
            return Response(
                self.status,
                json.dumps({"code": 20429, "message": "Too Many Requests", "status": self.status}),
            )
        return Response(
            201, json.dumps({"sid": f"SM{len(self.requests):032d}", "status": "queued", "body": data["Body"]})
        )


async def test_twilio_sends_each_part_by_rest_with_a_status_callback() -> None:
    http = RecordingTwilioHttp()
    client = TwilioSmsClient(SETTINGS, http_client=http)
    long_text = "\n\n".join(f"Paragraph {i}: " + "amafaranga " * 40 for i in range(3))
    ids = await client.send("+250788000001", [Reply(long_text, choices=(Choice("a", "Yes"),))], SendOptions())
    assert len(ids) == len(http.requests) >= 2
    first = http.requests[0]
    assert first["url"].endswith("/Accounts/ACtest/Messages.json") and first["To"] == "+250788000001"
    assert first["From"] == "+250780000000"
    assert first["StatusCallback"] == "https://ibimina.example.rw/channels/sms/twilio/status"
    assert http.requests[-1]["Body"].endswith("1. Yes")


async def test_twilio_throttling_is_retryable() -> None:
    client = TwilioSmsClient(SETTINGS, http_client=RecordingTwilioHttp(status=429))
    with pytest.raises(ProviderError) as caught:
        await client.send("+250788000001", [Reply("hi")], SendOptions())
    assert caught.value.retryable


class RecordingTelegramRequest(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kw: Any
    ) -> tuple[int, bytes]:
        params = request_data.parameters if request_data else {}
        self.calls.append((url.rsplit("/", 1)[-1], params))
        result = {
            "message_id": len(self.calls),
            "date": 1763900000,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params.get("text", ""),
        }
        return 200, json.dumps({"ok": True, "result": result}).encode()


async def test_telegram_sends_inline_keyboards_and_contact_requests() -> None:
    request = RecordingTelegramRequest()
    client = TelegramBotClient(SETTINGS, bot=Bot("123:ABC", request=request, get_updates_request=request))
    ids = await client.send(
        "5811004421", [Reply("Choose:", choices=(Choice("bal", "Balance"),))], SendOptions()
    )
    ids += await client.send("5811004421", [Reply("Share your number", request_contact=True)], SendOptions())
    assert ids == ["5811004421:1", "5811004421:2"]
    (_, keyboard), (_, contact) = request.calls
    assert keyboard["reply_markup"]["inline_keyboard"] == [[{"text": "Balance", "callback_data": "bal"}]]
    assert contact["reply_markup"]["keyboard"][0][0]["request_contact"] is True


def test_secret_settings_are_secret() -> None:
    assert isinstance(SETTINGS.whatsapp_access_token, SecretStr)
