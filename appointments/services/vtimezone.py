"""VTIMEZONE components in the recurring form Outlook itself writes, from the zone's current rule.

icalendar's own VTIMEZONE lists each change as an RDATE, which ical.js (Thunderbird's parser) reads
one hour off in summer; yearly RRULEs are read alike by icalendar, vobject, ical.js and Outlook. The
rule is the POSIX TZ string that ends every TZif file (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`).
"""

import importlib.resources
import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from pathlib import Path

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"([-+]?\d{1,3}(?::\d{2}){0,2})"
_WHEN = r"M(\d{1,2})\.([1-5])\.([0-6])(?:/" + _OFFSET + r")?"
_POSIX = re.compile(rf"^{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,{_WHEN},{_WHEN})?$")
_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
_EPOCH_YEAR = 1970  # DTSTART of the rule's first onset; only the rule itself matters to readers


def _posix_rule(key: str) -> str | None:
    """The zone's POSIX TZ footer, from the system's zoneinfo or the tzdata package."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / key
        if path.is_file():
            return path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1].decode()
    try:
        data = importlib.resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode()


def _duration(text: str | None, default: timedelta = timedelta(0)) -> timedelta:
    if not text:
        return default
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")] + [0, 0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _onset(month: int, week: int, weekday: int, at: timedelta) -> tuple[datetime, str]:
    """The rule's first onset (local wall clock before the change) and its RRULE BYDAY."""
    first = date(_EPOCH_YEAR, month, 1)
    day = first + timedelta(days=(weekday - (first.isoweekday() % 7)) % 7 + 7 * (week - 1))
    if week == 5:
        while day.month != month:
            day -= timedelta(days=7)
    byday = f"{-1 if week == 5 else week}{_WEEKDAYS[weekday]}"
    return datetime.combine(day, time()) + at, byday  # floating: VTIMEZONE onsets are local time


def _observance(kind, name: str, start: datetime, offset_from: timedelta, offset_to: timedelta, rrule=None):
    observance = kind()
    observance.add("dtstart", start)
    if rrule:
        observance.add("rrule", rrule)
    observance.add("tzname", name.strip("<>"))
    observance.add("tzoffsetfrom", offset_from)
    observance.add("tzoffsetto", offset_to)
    return observance


def vtimezone(key: str, *, around: date) -> Timezone:
    """The zone as a VTIMEZONE: its current yearly rule, or icalendar's listing of the changes
    around `around` where the zone has no POSIX rule we can read."""
    match = _POSIX.match(_posix_rule(key) or "")
    if match is None:
        years = {"first_date": date(around.year, 1, 1), "last_date": date(around.year + 2, 1, 1)}
        return Timezone.from_tzid(key, **years)
    std_name, std, dst_name, dst, *rule = match.groups()
    standard = -_duration(std)  # POSIX counts west of Greenwich as positive
    zone = Timezone()
    zone.add("tzid", key)
    if dst_name is None:
        zone.add_component(
            _observance(
                TimezoneStandard,
                std_name,
                datetime.combine(date(_EPOCH_YEAR, 1, 1), time()),
                standard,
                standard,
            )
        )
        return zone
    summer = -_duration(dst, default=-(standard + timedelta(hours=1)))
    start_month, start_week, start_day, start_at, end_month, end_week, end_day, end_at = rule
    two = timedelta(hours=2)
    begins, begins_byday = _onset(int(start_month), int(start_week), int(start_day), _duration(start_at, two))
    ends, ends_byday = _onset(int(end_month), int(end_week), int(end_day), _duration(end_at, two))
    yearly = {"freq": "yearly"}
    zone.add_component(
        _observance(
            TimezoneDaylight,
            dst_name,
            begins,
            standard,
            summer,
            {**yearly, "bymonth": int(start_month), "byday": begins_byday},
        )
    )
    zone.add_component(
        _observance(
            TimezoneStandard,
            std_name,
            ends,
            summer,
            standard,
            {**yearly, "bymonth": int(end_month), "byday": ends_byday},
        )
    )
    return zone
