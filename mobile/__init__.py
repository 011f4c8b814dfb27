"""The member app: the versioned JSON API (/api/v1), the offline-capable PWA (/app/), the Capacitor shell."""

from mobile.app import setup
from mobile.deps import MobileDeps

__all__ = ["MobileDeps", "setup"]
