"""Dates, months and times from requests: the one parser every page, form and API view uses.

A date from an address or a form is malformed, or lies so far out that the arithmetic around it
(the previous day, the next week, the end of the month) would leave Python's calendar: either way
it is an `InvalidDate` (a 400 in the user's language), never a 500. Between EARLIEST and LATEST
every step a page takes (days, weeks, a year of figures) stays far inside the calendar.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import InvalidDate

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def _date_error(field: str | None) -> InvalidDate:
    message = _("Please give a valid date between %(earliest)s and %(latest)s (YYYY-MM-DD).") % {
        "earliest": EARLIEST.isoformat(),
        "latest": LATEST.isoformat(),
    }
    return InvalidDate(message, field=field)


def parse_day(raw: object, *, field: str | None = None) -> date:
    """A YYYY-MM-DD date between EARLIEST and LATEST; anything else raises InvalidDate."""
    if isinstance(raw, datetime):
        raise _date_error(field)
    if isinstance(raw, date):
        day = raw
    else:
        try:
            text = raw.strip() if isinstance(raw, str) else ""
            day = date.fromisoformat(text) if 0 < len(text) <= 10 else None
        except ValueError:
            day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise _date_error(field)
    return day


def day_param(query, name: str, default: date | None) -> date | None:
    """The date `?name=` of a query (request.GET), the default when it is missing or empty."""
    raw = query.get(name)
    return default if raw in (None, "") else parse_day(raw, field=name)


def month_param(query, name: str) -> date | None:
    """The month `?name=YYYY-MM` as its first day, None when missing; InvalidDate when malformed."""
    raw = query.get(name)
    if raw in (None, ""):
        return None
    try:
        return parse_day(f"{raw}-01" if len(raw) == 7 else "", field=name)
    except InvalidDate as exc:
        message = _("Please give a valid month between %(earliest)s and %(latest)s (YYYY-MM).") % {
            "earliest": EARLIEST.isoformat()[:7],
            "latest": LATEST.isoformat()[:7],
        }
        raise InvalidDate(message, field=name) from exc


def parse_moment(raw: object, *, field: str | None = None) -> datetime:
    """An ISO 8601 time with its UTC offset on a day between EARLIEST and LATEST; else InvalidDate."""
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise _date_error(field)
    parse_day(moment.date(), field=field)
    return moment
