"""An agent's answer to a handed-off member: into the transcript and onto the member's channel, in one go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.conversations.handoffs import AgentReply, get_handoff, record_agent_reply
from core.db.database import Database
from core.errors import InvalidInput
from core.messaging.identities import enqueue_for_member


@dataclass(frozen=True, slots=True)
class AgentText:
    """Plain text for the outbox (the smallest ReplyLike)."""

    text: str
    meta: Mapping[str, str] = field(default_factory=dict)
    choices: Sequence[object] = ()
    link: None = None
    expects_answer: bool = False
    final: bool = False
    otp: None = None
    request_contact: bool = False


@dataclass(frozen=True, slots=True)
class SentReply:
    reply: AgentReply
    outbox_ids: tuple[int, ...]


async def send_agent_reply(
    db: Database, organization_id: int, handoff_id: int, *, staff_user_id: int, text: str
) -> SentReply:
    """Record the reply and queue it on the hand-off's channel (the system scope reads channel identities).

    Raises NotFound (another organization's or no hand-off), Conflict (closed), InvalidInput (empty, no phone).
    """
    async with db.system() as session:
        handoff = await get_handoff(session, organization_id, handoff_id)  # the tenant wall, checked first
        reply = await record_agent_reply(
            session, organization_id, handoff.id, staff_user_id=staff_user_id, text=text
        )
        if not reply.phone:
            raise InvalidInput("this conversation has no phone number to answer")
        ids = await enqueue_for_member(
            session,
            organization_id=organization_id,
            member_id=handoff.member_id,
            phone=reply.phone,
            replies=[AgentText(reply.text, {"handoff_id": str(handoff.id)})],  # type: ignore[list-item]
            source="agent",
            channel=reply.channel,
        )
        return SentReply(reply, tuple(ids))
