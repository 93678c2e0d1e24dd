"""Model fields of our own: text that is encrypted at rest.

A message's text can hold a client's private manage link, an invitation link or an SMS code until
it is sent (and, for an SMS, until it arrived: an unreachable phone means sending it again). In the
table it is a Fernet token under a key derived from SECRET_KEY, so a copy of the database or a
backup shows none of it; SECRET_KEY_FALLBACKS still open what an earlier key sealed.
"""

import base64
import functools
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

_SALT = "appointments.fields.SealedTextField"


@functools.cache
def _fernet_for(secrets: tuple[str, ...]) -> MultiFernet:
    keys = [salted_hmac(_SALT, "", secret=secret, algorithm="sha256").digest() for secret in secrets]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in keys])


def _fernet() -> MultiFernet:
    return _fernet_for((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The sealed text; raises InvalidToken for anything our keys did not seal."""
    return _fernet().decrypt(token.encode()).decode()


class SealedTextField(models.TextField):
    """A TextField stored encrypted. The empty string stays empty, so `body=""` filters and blanking
    updates work; nothing else can be looked up by its content."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal(value) if value else value

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return unseal(value)
        except InvalidToken:
            # Sealed under a key that is gone (SECRET_KEY changed without SECRET_KEY_FALLBACKS).
            logger.warning("A sealed text could not be opened; it reads as empty")
            return ""
