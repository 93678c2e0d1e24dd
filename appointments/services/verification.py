"""Confirming a mobile number: a 6-digit SMS code, exchanged once for a short-lived token."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import TooManyRequests, VerificationFailed
from appointments.models import Notification, PhoneVerification
from appointments.services.messages import render
from appointments.services.notifications import queue_sms, send_now
from appointments.services.phones import normalize_mobile_number
from appointments.services.tokens import hash_token, new_token

_PER_HOUR = 5


def _code_hash(verification_id: object, code: str) -> str:
    # Keyed, so that six digits cannot be read back from a copy of the table.
    message = f"{verification_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def start_phone_verification(
    *, phone: str, language: str = "de", now: datetime | None = None
) -> PhoneVerification:
    """Send a fresh code to the number; at most one a minute and five an hour per number."""
    now = now or timezone.now()
    e164 = normalize_mobile_number(phone)
    with transaction.atomic():
        recent = PhoneVerification.objects.select_for_update().filter(
            phone=e164, created_at__gte=now - timedelta(hours=1)
        )
        created = sorted(recent.values_list("created_at", flat=True))
        if len(created) >= _PER_HOUR or (
            created and created[-1] > now - timedelta(seconds=settings.PHONE_CODE_RESEND_SECONDS)
        ):
            raise TooManyRequests(
                _("A code was sent a moment ago. Please wait a minute before asking again.")
            )
        code = f"{secrets.randbelow(10**6):06d}"
        verification = PhoneVerification(
            phone=e164, expires_at=now + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS), created_at=now
        )
        verification.code_hash = _code_hash(verification.id, code)
        verification.save()
        message = queue_sms(
            to=e164,
            body=render(language, "sms", "verification_code", code=code),
            kind=Notification.Kind.VERIFICATION_CODE,
            language=language,
            now=now,
        )
        # The person is waiting for the code: send it at once; the worker retries if that fails.
        transaction.on_commit(lambda: send_now(message.pk))
    return verification


def confirm_phone_verification(*, verification_id: object, code: str, now: datetime | None = None) -> str:
    """Exchange a correct code for a verification token; wrong codes count towards a limit."""
    now = now or timezone.now()
    with transaction.atomic():
        verification = PhoneVerification.objects.select_for_update().filter(pk=verification_id).first()
        if verification is None or verification.confirmed_at is not None or verification.expires_at <= now:
            raise VerificationFailed(field="code")
        if verification.attempts >= settings.PHONE_CODE_MAX_ATTEMPTS:
            raise VerificationFailed(_("Too many wrong codes. Please request a new code."), field="code")
        if not hmac.compare_digest(_code_hash(verification.id, code), verification.code_hash):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            wrong = True
        else:
            token, verification.token_hash = new_token()
            verification.confirmed_at = now
            verification.save(update_fields=["token_hash", "confirmed_at"])
            wrong = False
    # Raised after commit, so that the wrong attempt stays counted.
    if wrong:
        raise VerificationFailed(
            _("The code is not correct. Please check the SMS and try again."), field="code"
        )
    return token


def consume_verification(*, token: str, phone: str, now: datetime | None = None) -> None:
    """Use up a verification token for this E.164 number; call inside the booking's transaction."""
    now = now or timezone.now()
    ttl = timedelta(seconds=settings.PHONE_VERIFICATION_TOKEN_TTL_SECONDS)
    updated = PhoneVerification.objects.filter(
        token_hash=hash_token(token or ""),
        phone=phone,
        used_at__isnull=True,
        confirmed_at__gt=now - ttl,
    ).update(used_at=now)
    if not token or updated != 1:
        raise VerificationFailed(
            _("Please confirm your mobile number with the SMS code first."), field="verification_token"
        )
