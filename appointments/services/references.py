"""Booking codes (and, longer, invitation codes): an alphabet that is not misheard, made and read as typed."""

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G: a code read out on the phone is not misheard.
REFERENCE_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
REFERENCE_LENGTH = 8


def new_reference(length: int = REFERENCE_LENGTH) -> str:
    """A booking code (or, longer, an invitation's letter code) in the alphabet that is not misheard."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))


def normalize_reference(raw: str) -> str:
    """Booking codes as people type them: any case, with spaces or dashes."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())
