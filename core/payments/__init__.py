"""Payments: member payment codes and mobile-money SMS parsing (pure logic, no IO)."""
