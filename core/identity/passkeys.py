"""Passkeys (WebAuthn) as a staff second factor: register one on the security page, use it instead of a code.

The relying party is the console's public origin from settings (PUBLIC_BASE_URL), never the request's Host:
a phishing proxy would otherwise have the server expect the proxy's origin, which the browser signs honestly.
The challenge of a ceremony lives on the console session row and is used once, right or wrong. The webauthn
package checks the signature, the origin, the RP ID hash and the signature counter; a counter that does not
move forward (a cloned authenticator) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.errors import InvalidInput, NotFound
from core.identity.models import StaffUser
from core.identity.staff_models import StaffPasskey, StaffSession
from core.settings import Settings

MAX_PASSKEYS = 10
_TRANSPORTS = {t.value: t for t in AuthenticatorTransport}


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: str  # the console's host name
    name: str
    origin: str  # scheme://host[:port], exactly as the browser reports it

    @classmethod
    def from_settings(cls, settings: Settings) -> RelyingParty:
        url = urlsplit(settings.public_base_url)
        if not url.hostname:
            raise ValueError("PUBLIC_BASE_URL has no host: passkeys need the console's origin")
        return cls(url.hostname, "Ibimina console", f"{url.scheme}://{url.netloc}")


class PasskeyRefused(InvalidInput):
    """The browser's answer did not verify (wrong origin, challenge, signature, or a cloned authenticator)."""


async def active_passkeys(session: AsyncSession, staff_user_id: int) -> list[StaffPasskey]:
    rows = await session.scalars(
        select(StaffPasskey)
        .where(StaffPasskey.staff_user_id == staff_user_id, StaffPasskey.revoked_at.is_(None))
        .order_by(StaffPasskey.id)
    )
    return list(rows)


def _descriptors(passkeys: Sequence[StaffPasskey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=p.credential_id, transports=[_TRANSPORTS[t] for t in p.transports.split(",") if t in _TRANSPORTS]
        )
        for p in passkeys
    ]


def _take_challenge(row: StaffSession) -> bytes:
    """The session's pending challenge, cleared: a challenge answers one ceremony, right or wrong."""
    challenge, row.passkey_challenge = row.passkey_challenge, None
    if not challenge:
        raise PasskeyRefused("Start again: ask for a passkey first.")
    return challenge


async def registration_options(session: AsyncSession, rp: RelyingParty, user: StaffUser, row: StaffSession) -> str:
    """The JSON for navigator.credentials.create(); remembers its challenge on the session row."""
    existing = await active_passkeys(session, user.id)
    if len(existing) >= MAX_PASSKEYS:
        raise InvalidInput(f"You have {MAX_PASSKEYS} passkeys: remove one first.")
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_id=str(user.id).encode(), user_name=user.email,
        user_display_name=user.full_name or user.email,
        exclude_credentials=_descriptors(existing),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )  # fmt: skip
    row.passkey_challenge = options.challenge
    return options_to_json(options)


async def add_passkey(session: AsyncSession, rp: RelyingParty, user: StaffUser, row: StaffSession,
                      credential: dict[str, Any], label: str) -> StaffPasskey:  # fmt: skip
    """Verify the browser's answer to registration_options and keep the credential. Raises PasskeyRefused."""
    challenge = _take_challenge(row)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused(f"That passkey could not be checked: {exc}") from None
    clash = await session.scalar(select(StaffPasskey.id).where(StaffPasskey.credential_id == verified.credential_id))
    if clash is not None:
        raise PasskeyRefused("That passkey is registered already.")
    transports = credential.get("response", {}).get("transports") or []
    passkey = StaffPasskey(
        organization_id=user.organization_id, staff_user_id=user.id, credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=",".join(t for t in transports if t in _TRANSPORTS)[:100],
        label=(label.strip() or "Passkey")[:200],
    )  # fmt: skip
    session.add(passkey)
    await session.flush()
    return passkey


async def authentication_options(session: AsyncSession, rp: RelyingParty, user: StaffUser,
                                 row: StaffSession) -> str | None:  # fmt: skip
    """The JSON for navigator.credentials.get() with the user's passkeys, or None when they have none."""
    passkeys = await active_passkeys(session, user.id)
    if not passkeys:
        return None
    options = generate_authentication_options(
        rp_id=rp.id, allow_credentials=_descriptors(passkeys), user_verification=UserVerificationRequirement.PREFERRED
    )
    row.passkey_challenge = options.challenge
    return options_to_json(options)


async def check_passkey(session: AsyncSession, rp: RelyingParty, user: StaffUser, row: StaffSession,
                        credential: dict[str, Any], now: datetime) -> StaffPasskey | None:  # fmt: skip
    """The passkey that signed this sign-in's challenge (its counter moved on), or None when it did not verify."""
    try:
        challenge = _take_challenge(row)
        raw_id = credential.get("rawId") or credential.get("id") or ""
        credential_id = base64url_to_bytes(str(raw_id))
    except (PasskeyRefused, ValueError, TypeError):
        return None
    passkey = await session.scalar(
        select(StaffPasskey)
        .where(StaffPasskey.credential_id == credential_id, StaffPasskey.staff_user_id == user.id,
               StaffPasskey.revoked_at.is_(None))
        .with_for_update()
    )  # fmt: skip
    if passkey is None:
        return None
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=passkey.public_key, credential_current_sign_count=passkey.sign_count,
        )  # fmt: skip
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, now
    return passkey


async def remove_passkey(session: AsyncSession, user: StaffUser, passkey_id: int, now: datetime) -> StaffPasskey:
    passkey = await session.scalar(
        select(StaffPasskey).where(StaffPasskey.id == passkey_id, StaffPasskey.staff_user_id == user.id,
                                   StaffPasskey.revoked_at.is_(None))
    )  # fmt: skip
    if passkey is None:
        raise NotFound("There is no such passkey.")
    passkey.revoked_at = now
    return passkey
