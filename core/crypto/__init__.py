"""Data protection: AES-GCM for personal data at rest, keyed blind indexes, and key derivation."""
