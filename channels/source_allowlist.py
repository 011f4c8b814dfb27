"""A source-address allow-list for providers that do not sign their callbacks (Africa's Talking USSD).

Networks are parsed once at setup; an empty list returns the handler itself, so an open route pays nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

from channels.base import refuse
from channels.source_address import IPNetwork, parse_networks, request_client_address, within

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SourceAllowList:
    def __init__(
        self, allowed: tuple[IPNetwork, ...], trusted_proxies: tuple[IPNetwork, ...], setting: str
    ) -> None:
        self.allowed = allowed
        self.trusted_proxies = trusted_proxies
        self.setting = setting

    @classmethod
    def parse(cls, allowed: str, trusted_proxies: str, *, setting: str) -> SourceAllowList:
        return cls(
            parse_networks(allowed, setting=setting),
            parse_networks(trusted_proxies, setting="TRUSTED_PROXIES"),
            setting,
        )

    def guard(self, handler: Handler) -> Handler:
        """The handler behind a 403 for other sources (logged by refuse); the handler itself when open."""
        if not self.allowed:
            return handler

        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            source = request_client_address(request, self.trusted_proxies)
            if source is None or not within(source, self.allowed):
                return refuse(403, f"source address {source or 'unknown'} is not in {self.setting}", request)
            return await handler(request)

        return guarded
