"""The console's Messages page over HTTP: the organization's outbound messages with their delivery status and
error, filters, never a one-time code, and a failed message sent again (queued, delivered, audited)."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db.database import Database
from core.identity.roles import StaffRole
from core.messaging.delivery_log import PAGE
from core.messaging.models import OutboxMessage
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff
from tests.support.tenant_sweep import plant_message


def row_of(html: str, message_id: int) -> str:
    match = re.search(rf'<tr data-message="{message_id}".*?</tr>', html, re.S)
    assert match, f"message {message_id} is not listed"
    return match.group(0)


async def test_staff_see_how_each_message_stands_and_never_a_code(db: Database,
                                                                   console_client: ClientFactory) -> None:  # fmt: skip
    org, other = await make_organization(db), await make_organization(db)
    delivered = await plant_message(db, org, text="Payment received: RWF 5,000.", status="delivered", error=None)
    failed = await plant_message(db, org, text="Your loan is approved.")
    code = await plant_message(db, org, text="Your code is 482913", source="otp", status="sent",
                               payload={"otp": "482913"}, error=None)  # fmt: skip
    theirs = await plant_message(db, other, text="Another SACCO's member")
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)

    page = await client.get("/console/messages")
    html = await page.text()
    assert page.status == 200 and 'href="/console/messages"' in html  # in the navigation
    assert "Payment received: RWF 5,000." in row_of(html, delivered["message_id"])
    assert 'data-status="failed"' in row_of(html, failed["message_id"])
    assert "131047: re-engagement message" in row_of(html, failed["message_id"])
    assert "Send again" in row_of(html, failed["message_id"])
    assert 'data-code="hidden"' in row_of(html, code["message_id"]) and "482913" not in html
    assert "Another SACCO" not in html and f'data-message="{theirs["message_id"]}"' not in html
    counts = dict(re.findall(r'data-count="(\w+)">\w+ (\d+)<', html))
    assert counts == {"queued": "0", "sent": "1", "delivered": "1", "read": "0", "failed": "1"}

    only_failed = await (await client.get("/console/messages?status=failed")).text()
    assert f'data-message="{failed["message_id"]}"' in only_failed
    assert f'data-message="{delivered["message_id"]}"' not in only_failed
    local = "0" + str(delivered["phone"])[4:]  # the way staff type it: 078…
    by_phone = await (await client.get(f"/console/messages?recipient={local}")).text()
    assert f'data-message="{delivered["message_id"]}"' in by_phone
    assert f'data-message="{failed["message_id"]}"' not in by_phone
    assert (await client.get("/console/messages?status=lost")).status == 422
    member_page = await (await client.get(f"/console/members/{delivered['member_id']}")).text()
    assert f'href="/console/messages?recipient={str(delivered["phone"]).replace("+", "%2B")}"' in member_page


async def test_a_failed_message_is_sent_again_once_queued_and_audited(db: Database,
                                                                       console_client: ClientFactory) -> None:  # fmt: skip
    org = await make_organization(db)
    failed = await plant_message(db, org, text="Your loan is approved.")
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/messages")

    sent = await client.post(f"/console/messages/{failed['message_id']}/send-again",
                             data={"csrf_token": token}, allow_redirects=False)  # fmt: skip
    assert sent.status == 303
    copy_id = int(sent.headers["Location"].rsplit("=", 1)[1])
    assert 'data-resent="' in await (await client.get(sent.headers["Location"])).text()
    deadline = asyncio.get_running_loop().time() + 10
    while True:  # the outbox relay takes the copy up (the sandbox here: no WhatsApp credentials)
        async with db.system() as s:
            copy = await s.get(OutboxMessage, copy_id)
            original = await s.get(OutboxMessage, failed["message_id"])
        assert copy is not None and original is not None
        if copy.status != "queued":
            break
        assert asyncio.get_running_loop().time() < deadline, "the copy was never delivered"
        await asyncio.sleep(0.1)
    assert (copy.text, copy.recipient, copy.channel, copy.member_id, copy.organization_id) == (
        "Your loan is approved.", failed["phone"], "whatsapp", failed["member_id"], org.id
    )
    assert copy.status == "sent" and copy.provider == "sandbox" and copy.payload["meta"]["resend_of"] == str(
        failed["message_id"]
    )
    assert original.status == "failed"  # the record of what happened stays as it was
    async with db.system() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "message.sent_again",
                                                        AuditEvent.object_id == str(copy_id)))  # fmt: skip
    assert event is not None and event.actor_id == str(agent.id) and event.organization_id == org.id

    again = await client.post(f"/console/messages/{copy_id}/send-again", data={"csrf_token": token})
    assert again.status == 409  # not failed: nothing to send again


async def test_a_code_is_not_sent_again_and_an_auditor_only_reads(db: Database,
                                                                   console_client: ClientFactory) -> None:  # fmt: skip
    org = await make_organization(db)
    code = await plant_message(db, org, text="Your code is 482913", source="otp", payload={"otp": "482913"})
    failed = await plant_message(db, org, text="Your loan is approved.")
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    html = await (await client.get("/console/messages")).text()
    assert "Send again" not in row_of(html, code["message_id"])
    token = await page_csrf(client, "/console/messages")
    refused = await client.post(f"/console/messages/{code['message_id']}/send-again", data={"csrf_token": token})
    assert refused.status == 409 and "482913" not in await refused.text()

    auditor, secret = await make_staff(db, org, role=StaffRole.AUDITOR)
    reader = await console_client()
    await sign_in(reader, auditor.email, STAFF_PASSWORD, secret)
    html = await (await reader.get("/console/messages")).text()
    assert "Your loan is approved." in row_of(html, failed["message_id"]) and "Send again" not in html
    token = await page_csrf(reader, "/console/messages")
    forbidden = await reader.post(f"/console/messages/{failed['message_id']}/send-again", data={"csrf_token": token})
    assert forbidden.status == 403
    async with db.system() as s:
        count = len(list((await s.execute(select(OutboxMessage.id).where(
            OutboxMessage.recipient.in_([code["phone"], failed["phone"]])))).scalars()))  # fmt: skip
    assert count == 2  # nothing was queued


async def test_older_messages_keep_the_filters(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    first = await plant_message(db, org, text="The oldest one.", status="delivered", error=None)
    async with db.system() as s:
        s.add_all(OutboxMessage(organization_id=org.id, member_id=first["member_id"], channel="whatsapp",
                                recipient=first["phone"], batch=f"b{i}", position=0, source="reply", text=f"n{i}",
                                choices=[], payload={}, status="delivered", provider_message_ids=[], attempts=1)
                  for i in range(PAGE))  # fmt: skip
    agent, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    await sign_in(client, agent.email, STAFF_PASSWORD, secret)
    as_linked = str(first["phone"]).replace("+", "%2B")  # as the member page links it
    page = await (await client.get(f"/console/messages?recipient={as_linked}")).text()
    assert "The oldest one." not in page
    older = re.search(r'href="(/console/messages\?[^"]*before=\d+)"', page)
    assert older and f"recipient={as_linked}" in older.group(1)  # the phone's + survives the link
    assert "The oldest one." in await (await client.get(older.group(1).replace("&amp;", "&"))).text()
