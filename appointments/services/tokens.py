"""Secret tokens that are shown once and stored only as a hash, compared in constant time."""

import hashlib
import hmac
import secrets


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh 128-bit URL-safe token (22 characters, short enough for an SMS) and its hash to store."""
    token = secrets.token_urlsafe(16)
    return token, hash_token(token)


def token_matches(token: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_token(token), stored_hash)
