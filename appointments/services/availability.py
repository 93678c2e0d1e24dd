"""Free consultation times: the one place that decides whether a caseworker can be booked.

Weekly hours and one-off extra hours, minus absences, busy times from the caseworker's own
calendar, the office's public holidays and closures, and existing appointments widened by their
buffers; within the office's minimum notice and horizon. Wall-clock times are turned into instants per
day in the office's zone, so slots stay at 09:00 local across DST changes.
Everything is loaded in a fixed number of queries, whatever the number of caseworkers.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import FloatField, Func, Q, QuerySet
from django.utils import timezone

from appointments.models import (
    Absence,
    Appointment,
    AvailabilityRule,
    CalendarBusy,
    Caseworker,
    ExtraHours,
    GroupSession,
    Office,
    OfficeClosure,
    Topic,
)
from appointments.services import slot_cache


@dataclass(frozen=True)
class Slot:
    """A start time that at least one caseworker can take, with the modes offered then."""

    start: datetime
    end: datetime
    modes: tuple[str, ...]


@lru_cache(maxsize=64)
def _public_holidays(state: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year))


def bookable_window(office: Office, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the (exclusive) latest start the office's policy allows at `now`."""
    last_day = office.today(now) + timedelta(days=office.horizon_days)
    return now + office.min_notice, office.day_bounds(last_day, last_day)[1]


def _merge_sorted(rows: list[tuple[int, float, float]]) -> dict[int, tuple[list[float], list[float]]]:
    """Busy intervals sorted by caseworker and start, merged into disjoint ones per caseworker,
    as parallel lists of starts and ends."""
    merged: dict[int, tuple[list[float], list[float]]] = {}
    for caseworker_id, start, end in rows:
        lists = merged.get(caseworker_id)
        if lists is None:
            merged[caseworker_id] = ([start], [end])
            continue
        starts, ends = lists
        if start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return merged


def _rows(queryset: QuerySet) -> list[tuple]:
    """The rows as the driver returns them, in one fetch: no per-value converters, which
    thousands of rows of numbers do not need."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # e.g. no caseworker at all
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class EpochSeconds(Func):
    """A timestamp as seconds since 1970 (UTC): far cheaper to load than thousands of datetimes."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Our times are whole seconds; rounding removes julianday's floating-point noise.
        template = "ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _epochs(queryset: QuerySet, start: str, end: str) -> QuerySet:
    """(caseworker, start, end) of busy times, the times as seconds since 1970."""
    return queryset.annotate(busy_from=EpochSeconds(start), busy_until=EpochSeconds(end)).values_list(
        "caseworker_id", "busy_from", "busy_until"
    )


@dataclass(frozen=True)
class _Hours:
    """A stretch of consultation hours in local wall-clock time, with its modes."""

    start: time
    end: time
    modes: frozenset[str]


class _Calendar:
    """Hours and busy times of the caseworkers who offer a topic, over a range of local days."""

    def __init__(
        self,
        *,
        topic: Topic,
        modes: frozenset[str],
        language: str | None,
        first_day: date,
        last_day: date,
        caseworker_ids: list[int] | None = None,
    ) -> None:
        office = topic.office
        self.zone = office.zone
        self.duration = topic.duration.total_seconds()
        self.before = topic.buffer_before.total_seconds()
        self.after = topic.buffer_after.total_seconds()
        self.modes = modes
        self._instants: dict[tuple[date, time], float] = {}

        # A group topic has no times of its own to offer: its sessions have places instead.
        caseworkers = Caseworker.objects.filter(active=True, office=office, topics=topic, topics__group=False)
        if language:
            caseworkers = caseworkers.filter(languages__code=language)
        if caseworker_ids is not None:
            caseworkers = caseworkers.filter(pk__in=caseworker_ids)
        # The hours (and free_slots' busy times) select by this subquery rather than by a list of
        # ids: hundreds of parameters cost more to bind in Python than the subquery costs PostgreSQL.
        ids = caseworkers.order_by().values("pk")

        # (caseworker, weekday) → [(valid_from, valid_until, hours)]
        self.weekly: dict[tuple[int, int], list[tuple[date | None, date | None, _Hours]]] = defaultdict(list)
        rules = AvailabilityRule.objects.filter(caseworker_id__in=ids).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=last_day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=first_day),
        )
        for caseworker_id, weekday, start, end, valid_from, valid_until, rule_modes in rules.values_list(
            "caseworker_id", "weekday", "start_time", "end_time", "valid_from", "valid_until", "modes"
        ):
            hours = _Hours(start, end, modes.intersection(rule_modes))
            if hours.modes:
                self.weekly[caseworker_id, weekday].append((valid_from, valid_until, hours))

        self.extra: dict[tuple[int, date], list[_Hours]] = defaultdict(list)
        extras = ExtraHours.objects.filter(caseworker_id__in=ids, date__gte=first_day, date__lte=last_day)
        for caseworker_id, day, start, end, extra_modes in extras.values_list(
            "caseworker_id", "date", "start_time", "end_time", "modes"
        ):
            hours = _Hours(start, end, modes.intersection(extra_modes))
            if hours.modes:
                self.extra[caseworker_id, day].append(hours)
        # Who has hours with a usable mode then; nobody else can offer a time.
        self.caseworker_ids = sorted({pk for pk, _ in self.weekly} | {pk for pk, _ in self.extra})

        self.offering = ids
        self.busy: dict[int, tuple[list[float], list[float]]] = {}  # by `load_busy`

        closed = set(
            OfficeClosure.objects.filter(office=office, date__range=(first_day, last_day)).values_list(
                "date", flat=True
            )
        )
        for year in range(first_day.year, last_day.year + 1):
            closed |= _public_holidays(office.state, year)
        self.closed = closed

    def load_busy(
        self,
        ids: QuerySet | list[int],
        range_start: datetime,
        range_end: datetime,
        exclude_appointment_id: int | None = None,
    ) -> None:
        """The busy times of these caseworkers (`offering`, or a few ids) that touch the range,
        leaving out the appointment being moved, if any."""
        absences = Absence.objects.filter(caseworker_id__in=ids, start__lt=range_end, end__gt=range_start)
        own_calendars = CalendarBusy.objects.filter(
            caseworker_id__in=ids, start__lt=range_end, end__gt=range_start
        )
        hosting = GroupSession.hosts.through.objects.filter(
            caseworker_id__in=ids,
            groupsession__blocked_from__lt=range_end,
            groupsession__blocked_until__gt=range_start,
            groupsession__status=GroupSession.Status.SCHEDULED,
        )
        appointments = Appointment.objects.filter(
            caseworker_id__in=ids, blocked_from__lt=range_end, blocked_until__gt=range_start
        ).exclude(status=Appointment.Status.CANCELLED)
        if exclude_appointment_id is not None:
            appointments = appointments.exclude(pk=exclude_appointment_id)
        # One query for all busy times (the own calendars' busy times and the group sessions a
        # caseworker hosts count as absences), sorted by caseworker and start, so one pass merges them.
        busy_times = _epochs(absences.order_by(), "start", "end").union(
            _epochs(own_calendars.order_by(), "start", "end"),
            _epochs(hosting.order_by(), "groupsession__blocked_from", "groupsession__blocked_until"),
            _epochs(appointments.order_by(), "blocked_from", "blocked_until"),
            all=True,
        )
        self.busy = _merge_sorted(_rows(busy_times.order_by("caseworker_id", "busy_from")))

    def instant(self, day: date, wall_clock: time) -> float:
        """Seconds since 1970 of a local wall-clock time, cached: many caseworkers share hours."""
        key = (day, wall_clock)
        if key not in self._instants:
            self._instants[key] = datetime.combine(day, wall_clock, tzinfo=self.zone).timestamp()
        return self._instants[key]

    def hours(self, caseworker_id: int, day: date) -> list[_Hours]:
        """The caseworker's consultation hours on a local day, with the modes usable then."""
        if day in self.closed:
            return []
        hours = [
            entry
            for valid_from, valid_until, entry in self.weekly.get((caseworker_id, day.weekday()), ())
            if (valid_from is None or valid_from <= day) and (valid_until is None or valid_until >= day)
        ]
        hours.extend(self.extra.get((caseworker_id, day), ()))
        return hours

    def is_free(self, caseworker_id: int, start: float) -> bool:
        """Whether the consultation starting at `start`, with its buffers, touches no busy time."""
        busy = self.busy.get(caseworker_id)
        if busy is None:
            return True
        starts, ends = busy
        blocked_end = start + self.duration + self.after
        index = bisect.bisect_left(starts, blocked_end) - 1
        return index < 0 or ends[index] <= start - self.before


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _requested_modes(topic: Topic, mode: str | None) -> frozenset[str]:
    modes = frozenset(topic.modes)
    return modes & {mode} if mode else modes


def free_slots(
    *,
    topic: Topic,
    date_from: date,
    date_to: date,
    mode: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
    caseworker_ids: list[int] | None = None,
    shared: bool = False,
) -> list[Slot]:
    """Start times, earliest first, at which some caseworker offering the topic (of those given) is free.

    `shared`: through the cache the web processes share (`slot_cache`), for the public pages that
    show times; whoever decides on a booking asks `check_start`, which never uses it.
    """
    office = topic.office
    now = now or timezone.now()
    earliest, latest = bookable_window(office, now)
    modes = _requested_modes(topic, mode)
    if not modes or not topic.active or date_from > date_to:
        return []
    if not shared:
        window = earliest.timestamp(), latest.timestamp()
        return _free_slots(topic, modes, language, date_from, date_to, caseworker_ids, *window)
    # Cached by days, not by the moment: the notice and horizon of this moment are applied to them here.
    date_to = min(date_to, office.today(now) + timedelta(days=office.horizon_days))
    if date_from > date_to:
        return []
    slots = slot_cache.remembered(
        ("free_slots", topic.pk, sorted(modes), language, date_from, date_to, caseworker_ids),
        lambda: _free_slots(topic, modes, language, date_from, date_to, caseworker_ids, -math.inf, math.inf),
    )
    return [slot for slot in slots if earliest <= slot.start < latest]


def _free_slots(
    topic: Topic,
    modes: frozenset[str],
    language: str | None,
    date_from: date,
    date_to: date,
    caseworker_ids: list[int] | None,
    first_start: float,
    last_start: float,
) -> list[Slot]:
    """The free start times of those days from `first_start` to before `last_start` (epoch seconds)."""
    office = topic.office
    calendar = _Calendar(
        topic=topic,
        modes=modes,
        language=language,
        first_day=date_from,
        last_day=date_to,
        caseworker_ids=caseworker_ids,
    )
    # A day more on each side: an absence or a buffer may reach across midnight.
    calendar.load_busy(
        calendar.offering, *office.day_bounds(date_from - timedelta(days=1), date_to + timedelta(days=1))
    )
    step = office.slot_step_minutes * 60
    found: dict[float, set[str]] = {}
    for day in _days(date_from, date_to):
        # Caseworkers with the same hours share one pass over their start times, and a start
        # time stops being checked as soon as someone is free then with every mode asked for.
        sharing: dict[_Hours, list[int]] = defaultdict(list)
        for caseworker_id in calendar.caseworker_ids:
            for hours in calendar.hours(caseworker_id, day):
                sharing[hours].append(caseworker_id)
        for hours, sharers in sharing.items():
            start = calendar.instant(day, hours.start)
            finish = calendar.instant(day, hours.end)
            while start + calendar.duration <= finish and start < last_start:
                known = found.get(start)
                if start >= first_start and not (known and hours.modes <= known):
                    for caseworker_id in sharers:
                        if calendar.is_free(caseworker_id, start):
                            found.setdefault(start, set()).update(hours.modes)
                            break
                start += step
    zone = office.zone
    return [
        Slot(
            start=datetime.fromtimestamp(start, tz=UTC).astimezone(zone),
            end=datetime.fromtimestamp(start + calendar.duration, tz=UTC).astimezone(zone),
            modes=tuple(sorted(found[start])),
        )
        for start in sorted(found)
    ]


@dataclass(frozen=True)
class StartCheck:
    """Who could take one start time: those whose hours offer it, and of them those free then."""

    offered: list[int]
    free: list[int]


def check_start(
    *,
    topic: Topic,
    mode: str,
    start: datetime,
    language: str | None = None,
    exclude_appointment_id: int | None = None,
    caseworker_ids: list[int] | None = None,
    now: datetime | None = None,
    office_policy: bool = True,
) -> StartCheck:
    """Which caseworkers offer `start` for this topic and mode, and which of them are free then.

    Uses the same hours, policy and busy times as `free_slots`, so a time shown is a time bookable.
    Without `office_policy` the office's notice and horizon do not count, only that `start` is
    ahead: staff handing a booked time to a colleague as it is (the client chose it long ago).
    """
    office = topic.office
    now = now or timezone.now()
    earliest, latest = (
        bookable_window(office, now) if office_policy else (now, datetime.max.replace(tzinfo=UTC))
    )
    modes = _requested_modes(topic, mode)
    if not modes or not topic.active or not earliest <= start < latest:
        return StartCheck(offered=[], free=[])
    day = start.astimezone(office.zone).date()
    calendar = _Calendar(
        topic=topic,
        modes=modes,
        language=language,
        first_day=day,
        last_day=day,
        caseworker_ids=caseworker_ids,
    )
    step = office.slot_step_minutes * 60
    target = start.timestamp()
    offered: list[int] = []
    for caseworker_id in calendar.caseworker_ids:
        for hours in calendar.hours(caseworker_id, day):
            begin = calendar.instant(day, hours.start)
            finish = calendar.instant(day, hours.end)
            if begin <= target and target + calendar.duration <= finish and (target - begin) % step == 0:
                offered.append(caseworker_id)
                break
    if offered:
        # The busy times of those who offer it, and only those that touch it with its buffers:
        # a booking asks for a handful of rows.
        blocked = target - calendar.before, target + calendar.duration + calendar.after
        range_start, range_end = (datetime.fromtimestamp(instant, tz=UTC) for instant in blocked)
        calendar.load_busy(offered, range_start, range_end, exclude_appointment_id)
    return StartCheck(offered=offered, free=[pk for pk in offered if calendar.is_free(pk, target)])
