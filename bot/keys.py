"""Typed aiohttp AppKeys shared by the service's parts."""

from __future__ import annotations

from aiohttp import web

from bot.jobs import JobDispatcher
from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
JOBS = web.AppKey("jobs", JobDispatcher)
