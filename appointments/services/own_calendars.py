"""Caseworkers' own calendars: their busy times, read from an ICS address, block consultation times.

Recurring events are expanded with their exceptions (recurring-ical-events) in the calendar's own
zones, so a weekly meeting keeps its wall-clock time across a change to summer time; an all-day
event blocks the whole local day. A calendar that cannot be read keeps its last good copy.
"""

import logging
from datetime import date, datetime, timedelta

import recurring_ical_events
import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar

from appointments.models import Appointment, CalendarBusy, CalendarLink, Office

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024


class CalendarUnreadable(Exception):
    """The address did not answer, or not with a calendar."""


def _fetch(url: str) -> bytes:
    try:
        response = requests.get(url, timeout=settings.OWN_CALENDAR_TIMEOUT_SECONDS, stream=True)
        response.raise_for_status()
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise CalendarUnreadable(type(exc).__name__) from exc
    if len(body) > MAX_BYTES:
        raise CalendarUnreadable("larger than 5 MB")
    return body


def busy_times(
    ics: bytes, *, office: Office, first: date, last: date
) -> list[tuple[datetime, datetime, bool]]:
    """The busy (start, end, all day) spans of the calendar from `first` to `last` (the office's
    local days): events shown as free (TRANSP:TRANSPARENT) and cancelled ones do not count."""
    try:
        calendar = Calendar.from_ical(ics)
        events = recurring_ical_events.of(calendar).between(first, last + timedelta(days=1))
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


def read_calendar(link: CalendarLink, *, ics: bytes | None = None, now: datetime | None = None) -> bool:
    """Read the link's calendar again (or take `ics` as what it says) and replace its busy times;
    on failure keep the last good copy and say why on the link. Returns whether it was read."""
    now = now or timezone.now()
    office = link.caseworker.office
    today = office.today(now)
    link.last_tried_at = now
    try:
        last = today + timedelta(days=office.horizon_days + 1)
        spans = busy_times(ics or _fetch(link.url), office=office, first=today, last=last)
    except CalendarUnreadable as exc:
        link.last_error = str(exc)[:200]
        link.save(update_fields=["last_tried_at", "last_error"])
        logger.warning("own calendar %s not read: %s", link.pk, link.last_error)
        return False
    with transaction.atomic():
        # Two workers reading the same calendar at once take turns: else both delete, both insert.
        CalendarLink.objects.select_for_update().filter(pk=link.pk).first()
        CalendarBusy.objects.filter(link=link).delete()
        CalendarBusy.objects.bulk_create(
            CalendarBusy(link=link, caseworker_id=link.caseworker_id, start=start, end=end, all_day=all_day)
            for start, end, all_day in spans
        )
        link.last_read_at, link.last_error = now, ""
        link.save(update_fields=["last_tried_at", "last_read_at", "last_error"])
    return True


def read_due_calendars(*, now: datetime | None = None) -> int:
    """Read every calendar not tried for OWN_CALENDAR_READ_MINUTES; for the message worker."""
    now = now or timezone.now()
    due = now - timedelta(minutes=settings.OWN_CALENDAR_READ_MINUTES)
    links = CalendarLink.objects.filter(Q(last_tried_at__isnull=True) | Q(last_tried_at__lte=due))
    return sum(read_calendar(link, now=now) for link in links.select_related("caseworker__office"))


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
