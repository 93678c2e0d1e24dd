"""Confirming a mobile number: a 6-digit SMS code, exchanged once for a short-lived token."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import SmsBudgetExhausted, TooManyRequests, VerificationFailed
from appointments.models import Notification, Office, PhoneVerification
from appointments.services.limits import client_mobile_number, spend_sms_code
from appointments.services.outbox.compose import queue_sms
from appointments.services.outbox.worker import send_now
from appointments.services.texts import render
from appointments.services.tokens import hash_token, new_token

_PER_HOUR = 5


def _code_hash(verification_id: object, code: str) -> str:
    # Keyed, so that six digits cannot be read back from a copy of the table.
    message = f"{verification_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def start_phone_verification(
    *,
    phone: str,
    language: str = "de",
    office: Office | None = None,
    at_once: bool = True,
    now: datetime | None = None,
) -> PhoneVerification:
    """Send a fresh code to the number, within the limits of the public edge (services.limits).

    Only to the allowed calling codes (settings and `office`); per number at most one a minute,
    five an hour and PHONE_CODES_PER_DAY a day; and while the office's SMS budget lasts.
    `at_once=False` leaves the sending to the worker, so that the request takes no longer
    than one that sends nothing (finding a booking must not tell whether it exists).
    """
    now = now or timezone.now()
    e164 = client_mobile_number(phone, offices=[office] if office else [])
    with transaction.atomic():
        recent = PhoneVerification.objects.select_for_update().filter(
            phone=e164, created_at__gte=now - timedelta(days=1)
        )
        created = sorted(recent.values_list("created_at", flat=True))
        if len(created) >= settings.PHONE_CODES_PER_DAY:
            raise TooManyRequests(
                _("This number has had enough codes for today. Please try again tomorrow or call us.")
            )
        last_hour = [moment for moment in created if moment >= now - timedelta(hours=1)]
        if len(last_hour) >= _PER_HOUR or (
            created and created[-1] > now - timedelta(seconds=settings.PHONE_CODE_RESEND_SECONDS)
        ):
            raise TooManyRequests(
                _("A code was sent a moment ago. Please wait a minute before asking again.")
            )
        # Spent or not, the budget's count commits: so does its alert, once a day.
        if not spend_sms_code(office=office, now=now):
            verification = None
        else:
            verification = _send_code(e164, language=language, at_once=at_once, now=now)
    if verification is None:
        phone = office.phone if office and office.phone else "-"
        raise SmsBudgetExhausted(
            _("We cannot send any more SMS codes today. Please call us: %(phone)s.") % {"phone": phone},
            field="phone",
        )
    return verification


def _send_code(e164: str, *, language: str, at_once: bool, now: datetime) -> PhoneVerification:
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
    if at_once:
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
