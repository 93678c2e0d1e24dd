"""Caseworkers' weekly hours, extra hours and absences, and office closures: checked changes.

Free times are computed live from these rows (availability.free_slots caches nothing but the
public holidays per state and year), so a change shows in the free times at once and nothing
needs bumping. Appointments already booked into a new absence or closure are never cancelled
here: they are reported back, so that staff move or cancel them and the client is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import holidays
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError
from appointments.models import (
    Absence,
    Appointment,
    AvailabilityRule,
    Caseworker,
    ExtraHours,
    Office,
    OfficeClosure,
    Weekday,
    validate_modes,
)


@dataclass(frozen=True)
class Affected:
    """A new absence or closure, and the booked appointments that now fall into it."""

    created: Absence | OfficeClosure
    appointments: list[Appointment]


def _check_times(start_time: time, end_time: time) -> None:
    if end_time <= start_time:
        raise ApplicationError(_("The end must be after the start."), field="end_time")


def _check_modes(modes: list[str]) -> None:
    try:
        validate_modes(modes)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="modes") from error


def _lock(caseworker: Caseworker) -> None:
    """Serialise changes to one caseworker's hours, so two overlapping rules cannot slip in side by side."""
    Caseworker.objects.select_for_update().filter(pk=caseworker.pk).first()


def _check_weekly(
    *,
    caseworker: Caseworker,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date | None,
    valid_until: date | None,
    modes: list[str],
    ignore: int | None = None,
) -> None:
    if weekday not in Weekday.values:
        raise ApplicationError(_("Please choose a weekday."), field="weekday")
    _check_times(start_time, end_time)
    if valid_from and valid_until and valid_until < valid_from:
        raise ApplicationError(_("The end of validity must not be before its start."), field="valid_until")
    _check_modes(modes)
    # Two rules overlap when their hours overlap on a day on which both are valid.
    overlapping = AvailabilityRule.objects.filter(
        caseworker=caseworker, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    ).exclude(pk=ignore)
    if valid_until is not None:
        overlapping = overlapping.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=valid_until))
    if valid_from is not None:
        overlapping = overlapping.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    if overlapping.exists():
        raise ApplicationError(
            _("These hours overlap with other weekly hours on this weekday."), field="start_time"
        )


def add_weekly_hours(
    *,
    caseworker: Caseworker,
    weekday: int,
    start_time: time,
    end_time: time,
    modes: list[str],
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> AvailabilityRule:
    """New weekly hours, unless they end before they start or overlap other hours of that weekday."""
    return _save_weekly(
        AvailabilityRule(caseworker=caseworker),
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
        modes=modes,
    )


def change_weekly_hours(
    *,
    rule: AvailabilityRule,
    weekday: int,
    start_time: time,
    end_time: time,
    modes: list[str],
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> AvailabilityRule:
    """Other times, days, validity or modes for existing weekly hours, by the same checks as adding."""
    return _save_weekly(
        rule,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
        modes=modes,
    )


def _save_weekly(rule: AvailabilityRule, **fields) -> AvailabilityRule:
    """Check `fields` against the caseworker's other hours under their lock, then save the rule."""
    with transaction.atomic():
        _lock(rule.caseworker)
        _check_weekly(caseworker=rule.caseworker, ignore=rule.pk, **fields)
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.save()
        return rule


def remove_weekly_hours(rule: AvailabilityRule) -> None:
    """Weekly hours end; booked appointments in them stay, as the caseworker may still hold them."""
    rule.delete()


def add_extra_hours(
    *,
    caseworker: Caseworker,
    day: date,
    start_time: time,
    end_time: time,
    modes: list[str],
    now: datetime | None = None,
) -> ExtraHours:
    """One-off hours on a day from today on, not overlapping other extra hours of that day."""
    today = caseworker.office.today(now)
    if day < today:
        raise ApplicationError(_("Please choose today or a later day."), field="date")
    _check_times(start_time, end_time)
    _check_modes(modes)
    with transaction.atomic():
        _lock(caseworker)
        if ExtraHours.objects.filter(
            caseworker=caseworker, date=day, start_time__lt=end_time, end_time__gt=start_time
        ).exists():
            raise ApplicationError(
                _("These hours overlap with other extra hours on this day."), field="start_time"
            )
        return ExtraHours.objects.create(
            caseworker=caseworker, date=day, start_time=start_time, end_time=end_time, modes=modes
        )


def remove_extra_hours(extra: ExtraHours) -> None:
    extra.delete()


def _booked() -> QuerySet[Appointment]:
    return Appointment.objects.filter(status=Appointment.Status.BOOKED).select_related("topic", "caseworker")


def _within(
    periods: list[tuple[datetime, datetime]], booked: QuerySet[Appointment], now: datetime
) -> list[list[Appointment]]:
    """For each period, the booked appointments overlapping it that have not ended: one query for all."""
    if not periods:
        return []
    first = max(now, min(start for start, _ in periods))
    last = max(end for _, end in periods)
    candidates = list(booked.filter(end__gt=first, start__lt=last).order_by("start"))
    return [[a for a in candidates if a.start < end and a.end > max(start, now)] for start, end in periods]


def add_absence(
    *, caseworker: Caseworker, kind: str, start: datetime, end: datetime, now: datetime | None = None
) -> Affected:
    """Record an absence; appointments already booked in it are returned, not cancelled."""
    now = now or timezone.now()
    if kind not in Absence.Kind.values:
        raise ApplicationError(_("Please choose a kind of absence."), field="kind")
    if end <= start:
        raise ApplicationError(_("The end must be after the start."), field="end")
    if end <= now:
        raise ApplicationError(_("This absence is already over."), field="end")
    absence = Absence.objects.create(caseworker=caseworker, kind=kind, start=start, end=end)
    return Affected(absence, _within([(start, end)], _booked().filter(caseworker=caseworker), now)[0])


def remove_absence(absence: Absence) -> None:
    absence.delete()


def add_closure(*, office: Office, day: date, reason: str = "", now: datetime | None = None) -> Affected:
    """Close the office on a day from today on; appointments already booked then are returned."""
    now = now or timezone.now()
    if day < office.today(now):
        raise ApplicationError(_("Please choose today or a later day."), field="date")
    try:
        with transaction.atomic():
            closure = OfficeClosure.objects.create(office=office, date=day, reason=reason)
    except IntegrityError as error:
        raise ApplicationError(_("The office is already closed on this day."), field="date") from error
    start, end = office.day_bounds(day, day)
    return Affected(closure, _within([(start, end)], _booked().filter(topic__office=office), now)[0])


def remove_closure(closure: OfficeClosure) -> None:
    closure.delete()


def absences_with_appointments(
    caseworker: Caseworker, now: datetime | None = None
) -> list[tuple[Absence, list[Appointment]]]:
    """The caseworker's absences not over yet, each with the booked appointments still inside it."""
    now = now or timezone.now()
    absences = list(Absence.objects.filter(caseworker=caseworker, end__gt=now).order_by("start"))
    periods = [(absence.start, absence.end) for absence in absences]
    return list(zip(absences, _within(periods, _booked().filter(caseworker=caseworker), now), strict=True))


def closures_with_appointments(
    office: Office, now: datetime | None = None
) -> list[tuple[OfficeClosure, list[Appointment]]]:
    """The office's closures from today on, each with the booked appointments still on that day."""
    now = now or timezone.now()
    today = office.today(now)
    closures = list(OfficeClosure.objects.filter(office=office, date__gte=today).order_by("date"))
    periods = [office.day_bounds(closure.date, closure.date) for closure in closures]
    return list(zip(closures, _within(periods, _booked().filter(topic__office=office), now), strict=True))


def public_holidays(office: Office, first: date, last: date, language: str = "de") -> list[tuple[date, str]]:
    """The public holidays of the office's state between two days, named in German or English."""
    names = holidays.country_holidays(
        "DE",
        subdiv=office.state,
        years=range(first.year, last.year + 1),
        language="en_US" if language.startswith("en") else "de",  # the package's only two for Germany
    )
    return sorted((day, name) for day, name in names.items() if first <= day <= last)
