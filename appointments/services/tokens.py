"""Secret tokens that are shown once and stored only as a hash, compared in constant time."""

import hashlib
import hmac
import secrets


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh 192-bit URL-safe token and the hash to store instead of it."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def token_matches(token: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_token(token), stored_hash)
