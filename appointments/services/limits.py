"""The public edge's limits, in one place for the booking pages and the API alike.

- Which numbers get an SMS at all: the calling codes of settings.ALLOWED_CALLING_CODES
  (default +49) and those the office adds (`Office.extra_calling_codes`).
- Rates per address (an IPv6 address counts per /64, what one line is given), per browser
  session: in the cache like DRF's throttles and under the same keys, so that the pages and
  the API share one count where they overlap (`appointments.api.throttling` uses `address`).
  Per number, the verification service counts the codes in the database (hour and day).
- A budget of SMS codes per office and day, counted in the database: a conditional UPDATE of
  one row, so concurrent senders on PostgreSQL never spend more than it; the coordinator is
  alerted once a day when it runs out.
- Upcoming bookings per client and office, checked under a lock on the number.
"""

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import datetime

import phonenumbers
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import throttling
from rest_framework.settings import api_settings

from appointments.exceptions import CallingCodeNotAllowed, TooManyBookings, TooManyRequests
from appointments.models import Appointment, Office, SmsBudget
from appointments.services.outbox.compose import alert_coordinator
from appointments.services.phones import allowed_calling_codes, normalize_mobile_number


def client_mobile_number(raw: str, *, offices: Iterable[Office], field: str = "phone") -> str:
    """E.164 for a mobile number a client gives, refused unless its calling code is allowed
    (settings.ALLOWED_CALLING_CODES and the extra ones of the `offices` concerned).

    Every number that an SMS goes to because a client typed it passes here: the code that
    confirms it and the booking that it receives messages on.
    """
    e164 = normalize_mobile_number(raw, field=field)
    codes = allowed_calling_codes(offices)
    if f"+{phonenumbers.parse(e164).country_code}" not in codes:
        raise CallingCodeNotAllowed(
            _("We can only send SMS to mobile numbers starting with %(codes)s.")
            % {"codes": ", ".join(codes)},
            field=field,
        )
    return e164


def address(request) -> str:
    """The client's address behind our proxies (NUM_PROXIES), an IPv6 one as its /64 network."""
    ident = throttling.BaseThrottle().get_ident(request)
    try:
        ip = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if ip.version == 6:
        return str(ip.ipv4_mapped or ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class RateCount(throttling.SimpleRateThrottle):
    """DRF's sliding window for one scope and one identity, under the key DRF's throttles use."""

    cache_format = throttling.SimpleRateThrottle.cache_format

    def __init__(self, scope: str, ident: str) -> None:
        self.scope, self.ident = scope, ident
        super().__init__()

    @property
    def THROTTLE_RATES(self):  # read when asked, like appointments.api.throttling
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def take(*, scope: str, ident: str) -> None:
    """Count one request of `ident` in `scope` (rate from DEFAULT_THROTTLE_RATES), or refuse it."""
    if not RateCount(scope, ident).allow_request(None, None):
        raise TooManyRequests()


def take_for_address(request: HttpRequest, scope: str) -> None:
    take(scope=scope, ident=address(request))


def take_for_session(request: HttpRequest, scope: str) -> None:
    if request.session.session_key is None:
        request.session.save()
    take(scope=scope, ident=f"session-{request.session.session_key}")


def take_for_number(scope: str, e164: str) -> None:
    # Keyed, so that the cache holds no number that could be read back by trying them all.
    key = hmac.new(settings.SECRET_KEY.encode(), e164.encode(), hashlib.sha256).hexdigest()
    take(scope=scope, ident=f"number-{key[:32]}")


def spend_sms_code(*, office: Office | None, now: datetime | None = None) -> bool:
    """Count one SMS code against today's budget of the office; False when it is spent.

    Call inside the transaction that sends the code. The first refusal of the day alerts
    the office's coordinator, once: the row remembers it, and the UPDATE that marks it is
    conditional, so that of many concurrent refusals only one sends the alert.
    """
    now = now or timezone.now()
    zone = office.zone if office else timezone.get_default_timezone()
    limit = office.sms_codes_per_day if office else settings.SMS_CODES_PER_DAY
    with transaction.atomic():
        budget, _created = SmsBudget.objects.get_or_create(office=office, day=now.astimezone(zone).date())
        if SmsBudget.objects.filter(pk=budget.pk, sent__lt=limit).update(sent=F("sent") + 1):
            return True
        first = SmsBudget.objects.filter(pk=budget.pk, alerted_at__isnull=True).update(alerted_at=now)
    if first and office is not None:
        alert_coordinator(
            office=office,
            subject=_("No more SMS codes today"),
            body=_(
                "Today's budget of %(limit)s SMS codes is spent. Until midnight clients cannot confirm "
                "their number and are asked to call %(phone)s. If this is not expected, someone may be "
                "sending codes to run up costs; the limit is the office's setting 'SMS codes a day'."
            )
            % {"limit": limit, "phone": office.phone or "-"},
        )
    return False


def check_upcoming_cap(*, office: Office, phone: str, now: datetime) -> None:
    """Refuse a client's booking beyond the office's cap of upcoming appointments for the number.

    Call inside the booking's transaction: on PostgreSQL a lock on the number (held until the
    booking commits) makes concurrent bookings of one number count one after the other; on
    SQLite writers are serialised anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"client-cap:{phone}"])
    upcoming = Appointment.objects.filter(
        client__phone=phone, topic__office=office, status=Appointment.Status.BOOKED, start__gt=now
    ).count()
    if upcoming >= office.max_upcoming_per_client:
        raise TooManyBookings(
            _(
                "You already have %(count)s upcoming appointments. Please cancel one first, "
                "or call us if you need another: %(phone)s."
            )
            % {"count": upcoming, "phone": office.phone or "-"},
            field="client.phone",
        )
