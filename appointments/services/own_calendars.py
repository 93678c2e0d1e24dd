"""Caseworkers' own calendars: their busy times, read from an ICS address or a CalDAV calendar,
block consultation times.

Recurring events are expanded with their exceptions (recurring-ical-events) in the calendar's own
zones, so a weekly meeting keeps its wall-clock time across a change to summer time; an all-day
event blocks the whole local day. A calendar that cannot be read keeps its last good copy. Only
addresses on public networks are read (`check_address`), checked again at every read and redirect.
"""

import ipaddress
import logging
import socket
import time
from datetime import date, datetime, timedelta
from urllib.parse import quote, urljoin, urlsplit

import caldav
import recurring_ical_events
import requests
from caldav.lib.error import AuthorizationError, DAVError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar

from appointments.exceptions import ApplicationError
from appointments.models import Appointment, CalendarBusy, CalendarLink, Caseworker, Office
from appointments.services.slot_cache import availability_changed

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3


class CalendarUnreadable(Exception):
    """The address did not answer, or not with a calendar."""


class AddressRefused(ApplicationError):
    """A calendar address we do not read: not https, or on a network that is not public."""


def check_address(url: str) -> None:
    """The one rule for which calendar addresses are read: https (http only with
    OWN_CALENDAR_ALLOW_HTTP), and a host whose every address is public, unless
    OWN_CALENDAR_ALLOWED_HOSTS names it; so a link cannot make the server ask its own network."""
    parts = urlsplit(url)
    schemes = {"https", "http"} if settings.OWN_CALENDAR_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes:
        raise AddressRefused(_("The calendar address must begin with https://."), field="url")
    host = parts.hostname
    if not host:
        raise AddressRefused(_("This is not a calendar address."), field="url")
    if host.lower() in {h.lower() for h in settings.OWN_CALENDAR_ALLOWED_HOSTS}:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (OSError, ValueError) as exc:
        raise AddressRefused(_("The calendar's server was not found."), field="url") from exc
    addresses = [ipaddress.ip_address(address.split("%")[0]) for address in found]
    if any(not address.is_global or address.is_multicast for address in addresses):
        raise AddressRefused(
            _("This address is in a private or local network; calendars are read from public ones only."),
            field="url",
        )


def readable_address(url: str) -> str:
    """The address, if `check_address` lets it be read; for forms (a ValidationError otherwise)."""
    try:
        check_address(url)
    except AddressRefused as exc:
        raise ValidationError(exc.message) from exc
    return url


def _checked(url: str) -> str:
    try:
        check_address(url)
    except AddressRefused as exc:
        raise CalendarUnreadable(f"address refused: {exc.message}") from exc
    return url


def _fetch_ics(url: str) -> bytes:
    """The file at the address, following at most a few redirects, each checked again."""
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            response = requests.get(
                _checked(url),
                timeout=settings.OWN_CALENDAR_TIMEOUT_SECONDS,
                stream=True,
                allow_redirects=False,
            )
            if not response.is_redirect:
                break
            url = urljoin(url, response.headers["location"])
        else:
            raise CalendarUnreadable("too many redirects")
        response.raise_for_status()
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise CalendarUnreadable(type(exc).__name__) from exc
    if len(body) > MAX_BYTES:
        raise CalendarUnreadable("larger than 5 MB")
    return body


def _fetch_caldav(link: CalendarLink, start: datetime, end: datetime) -> list[bytes]:
    """The calendar's events from `start` to `end` (a calendar-query REPORT with a time range),
    each as the server keeps it: a recurring one with its exceptions, expanded here like ICS."""
    client = caldav.DAVClient(
        _checked(link.url),
        username=link.username or None,
        password=link.password or None,
        timeout=settings.OWN_CALENDAR_TIMEOUT_SECONDS,
    )
    client.session.max_redirects = 0  # a redirect could lead anywhere: refused, not followed
    try:
        events = caldav.Calendar(client=client, url=link.url).search(start=start, end=end, event=True)
        return [event.data.encode() for event in events]
    except AuthorizationError as exc:
        raise CalendarUnreadable("user name or password refused") from exc
    except (DAVError, requests.RequestException) as exc:
        raise CalendarUnreadable(type(exc).__name__) from exc
    finally:
        client.session.close()


def busy_times(
    *calendars: bytes, office: Office, first: date, last: date
) -> list[tuple[datetime, datetime, bool]]:
    """The busy (start, end, all day) spans of the calendars from `first` to `last` (the office's
    local days): events shown as free (TRANSP:TRANSPARENT) and cancelled ones do not count."""
    events = []
    for ics in calendars:
        try:
            calendar = Calendar.from_ical(ics)
            events += recurring_ical_events.of(calendar).between(first, last + timedelta(days=1))
        except ValueError as exc:
            raise CalendarUnreadable("not a calendar") from exc
    spans = []
    for event in events:
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start, end = event.decoded("DTSTART"), event.decoded("DTEND", None)
        if not isinstance(start, datetime):
            days = (end - start).days if isinstance(end, date) else 1
            spans.append((*office.day_bounds(start, start + timedelta(days=max(days, 1) - 1)), True))
            continue
        end = end or start + event.decoded("DURATION", timedelta(0))
        spans.append((_aware(start, office.zone), _aware(end, office.zone), False))
    return spans


def _aware(moment: datetime, zone) -> datetime:
    """A floating time is the office's wall clock."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _read(link: CalendarLink, office: Office, first: date, last: date) -> list[bytes]:
    if link.kind == CalendarLink.Kind.CALDAV:
        start, end = office.day_bounds(first, last)
        return _fetch_caldav(link, start, end)
    return [_fetch_ics(link.url)]


def read_calendar(link: CalendarLink, *, ics: bytes | None = None, now: datetime | None = None) -> bool:
    """Read the link's calendar again (or take `ics` as what it says) and replace its busy times;
    on failure keep the last good copy and say why on the link. Returns whether it was read."""
    now = now or timezone.now()
    office = link.caseworker.office
    today = office.today(now)
    link.last_tried_at = now
    last = today + timedelta(days=office.horizon_days + 1)
    try:
        calendars = [ics] if ics else _read(link, office, today, last)
        spans = busy_times(*calendars, office=office, first=today, last=last)
    except CalendarUnreadable as exc:
        link.last_error = str(exc)[:200]
        link.save(update_fields=["last_tried_at", "last_error"])
        logger.warning("own calendar %s not read: %s", link.pk, link.last_error)
        return False
    link.last_read_at, link.last_error = now, ""
    replace_busy_times(link, spans, fields=["last_tried_at", "last_read_at", "last_error"])
    return True


def replace_busy_times(link: CalendarLink, spans, *, fields: list[str] | None = None) -> None:
    """The only writer of CalendarBusy: the link's busy times become `spans` (none: before the
    link goes); `fields` of the link are saved with them, and the cached free times dropped."""
    with transaction.atomic():
        # Two workers reading the same calendar at once take turns: else both delete, both insert.
        CalendarLink.objects.select_for_update().filter(pk=link.pk).first()
        CalendarBusy.objects.filter(link=link).delete()
        CalendarBusy.objects.bulk_create(
            CalendarBusy(link=link, caseworker_id=link.caseworker_id, start=start, end=end, all_day=all_day)
            for start, end, all_day in spans
        )
        if fields:
            link.save(update_fields=fields)
        availability_changed()  # bulk_create sends no signal


def office_address(caseworker: Caseworker) -> str:
    """The caseworker's calendar address from their office's template ('' without one)."""
    template = caseworker.office.own_calendar_template
    user = caseworker.user
    if not template or ("{email}" in template and not user.email):
        return ""
    return template.replace("{email}", quote(user.email, safe="@")).replace(
        "{username}", quote(user.username, safe="")
    )


def link_from_office_templates() -> None:
    """Give every active caseworker of an office with a template, and without an own link, one made
    from it; follow a changed template; drop those whose template (or caseworker) went."""
    caseworkers = Caseworker.objects.filter(active=True).exclude(office__own_calendar_template="")
    for caseworker in caseworkers.select_related("office", "user", "calendar_link"):
        link = getattr(caseworker, "calendar_link", None)
        url = office_address(caseworker)
        if link is None and url:
            CalendarLink.objects.create(caseworker=caseworker, url=url, from_office=True)
        elif link is not None and link.from_office and link.url != url:
            if url:
                link.url, link.last_tried_at = url, None
                link.save(update_fields=["url", "last_tried_at"])
            else:
                unlink(link)
    stale = CalendarLink.objects.filter(from_office=True).filter(
        Q(caseworker__office__own_calendar_template="") | Q(caseworker__active=False)
    )
    for link in stale:
        unlink(link)


def link_calendar(
    caseworker: Caseworker, *, kind: str, url: str, username: str, password: str
) -> CalendarLink:
    """The caseworker's own calendar from now on (replacing one from the office's template); an
    empty password keeps the one stored. Its busy times stay until the new address is read."""
    check_address(url)
    link = CalendarLink.objects.filter(caseworker=caseworker).first() or CalendarLink(caseworker=caseworker)
    if kind != CalendarLink.Kind.CALDAV:
        username = password = ""
    link.kind, link.url, link.username, link.from_office = kind, url, username, False
    link.password = password or link.password if kind == CalendarLink.Kind.CALDAV else ""
    link.last_tried_at, link.last_error = None, ""
    link.save()
    return link


def unlink(link: CalendarLink) -> None:
    """The link goes, and its busy times with it."""
    with transaction.atomic():
        replace_busy_times(link, [])
        link.delete()


def read_due_calendars(*, now: datetime | None = None) -> int:
    """Read the calendars not tried for OWN_CALENDAR_READ_MINUTES, longest waiting first, for at
    most OWN_CALENDAR_ROUND_SECONDS (the rest in the next round); for the message worker."""
    link_from_office_templates()
    now = now or timezone.now()
    due = now - timedelta(minutes=settings.OWN_CALENDAR_READ_MINUTES)
    links = CalendarLink.objects.filter(Q(last_tried_at__isnull=True) | Q(last_tried_at__lte=due)).order_by(
        F("last_tried_at").asc(nulls_first=True), "pk"
    )
    stop_at = time.monotonic() + settings.OWN_CALENDAR_ROUND_SECONDS
    read = 0
    for link in links.select_related("caseworker__office"):
        if time.monotonic() >= stop_at:
            break
        read += read_calendar(link, now=now)
    return read


def calendar_conflicts(appointments: list[Appointment]) -> set[int]:
    """The ids of these appointments that overlap a busy time of their caseworker's own calendar:
    booked before the calendar said so, they stay and are shown as a conflict, never moved."""
    if not appointments:
        return set()
    busy = CalendarBusy.objects.filter(
        caseworker_id__in={a.caseworker_id for a in appointments},
        start__lt=max(a.end for a in appointments),
        end__gt=min(a.start for a in appointments),
    ).values_list("caseworker_id", "start", "end")
    spans = list(busy)
    return {
        a.pk
        for a in appointments
        if any(c == a.caseworker_id and start < a.end and end > a.start for c, start, end in spans)
    }
