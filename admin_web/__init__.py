"""The staff console: server-rendered pages under /console, behind password + second-factor sign-in."""

from admin_web.app import setup
from admin_web.context import ConsoleDeps

__all__ = ["ConsoleDeps", "setup"]
