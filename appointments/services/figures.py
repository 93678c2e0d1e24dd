"""Figures for an office's coordinators: bookings per day, no-shows, modes, languages, interpreters.

Everything is counted from what outlives the anonymisation of old appointments (status, mode,
language, interpreter language, topic, times, interpreter requests), never from client data,
so the figures of a period stay the same after retention has blanked its clients. A handful
of aggregating queries, however many appointments the period holds.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError
from appointments.models import Appointment, Language, Mode, Office
from appointments.services.booking import consultation_language
from appointments.services.interpreter_figures import interpreter_figures

# A year, leap day included: longer periods would make unreadable charts and slow queries.
MAX_DAYS = 366
DEFAULT_DAYS = 30

Status = Appointment.Status


@dataclass
class StatusCounts:
    """Booked slots by what became of them: held, no-show, cancelled, still booked."""

    completed: int = 0
    no_show: int = 0
    cancelled: int = 0
    booked: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.no_show + self.cancelled + self.booked

    def add(self, status: str, count: int) -> None:
        setattr(self, status, getattr(self, status) + count)


@dataclass(frozen=True)
class DayCounts:
    day: date
    counts: StatusCounts


@dataclass
class Share:
    """One mode or language: how many appointments, their percentage, how many with an interpreter."""

    code: str
    label: str
    count: int = 0
    percent: float = 0.0
    with_interpreter: int = 0


@dataclass(frozen=True)
class InterpreterLanguageFigures:
    code: str
    label: str
    requests: int
    filled: int
    fallbacks: int
    fill_percent: float | None


@dataclass(frozen=True)
class OfficeFigures:
    office: Office
    first: date
    last: date
    days: list[DayCounts]
    totals: StatusCounts
    no_show_percent: float | None
    modes: list[Share]
    languages: list[Share]
    interpreting: list[InterpreterLanguageFigures] = field(default_factory=list)
    interpreter_requests: int = 0
    interpreter_filled: int = 0
    interpreter_fallbacks: int = 0
    fill_percent: float | None = None

    @property
    def held_or_planned(self) -> int:
        """The appointments the shares are of: all but the cancelled ones."""
        return self.totals.total - self.totals.cancelled


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in per cent to one decimal; None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def default_period(today: date) -> tuple[date, date]:
    """The last 30 days up to and including today."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def check_period(first: date, last: date) -> None:
    """A period runs forwards and spans at most MAX_DAYS days (both ends included)."""
    if last < first:
        raise ApplicationError(_("The end date must not be before the start date."), field="bis")
    if (last - first).days + 1 > MAX_DAYS:
        raise ApplicationError(_("Please choose at most %(days)d days.") % {"days": MAX_DAYS}, field="bis")


def _days(appointments, office: Office, first: date, last: date) -> tuple[list[DayCounts], StatusCounts]:
    """Booked slots per local start day and status, every day of the period listed, empty ones too."""
    per_day = {first + timedelta(days=n): StatusCounts() for n in range((last - first).days + 1)}
    totals = StatusCounts()
    rows = (
        appointments.annotate(day=TruncDate("start", tzinfo=office.zone))
        .values("day", "status")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        per_day[row["day"]].add(row["status"], row["count"])
        totals.add(row["status"], row["count"])
    return [DayCounts(day, counts) for day, counts in per_day.items()], totals


def _shares(shares: dict[str, Share], whole: int) -> list[Share]:
    for share in shares.values():
        share.percent = percent(share.count, whole) or 0.0
    return sorted(shares.values(), key=lambda s: (-s.count, s.label))


def _modes_and_languages(appointments) -> tuple[list[Share], list[Share]]:
    """Shares of the appointments not cancelled, by mode and by the client's language.

    The client's language is the one the caseworker speaks with them, or, when an interpreter
    comes along (the consultation is then held in the office's language), the interpreter's.
    Languages are labelled with their codes here; the caller names them.
    """
    rows = (
        appointments.exclude(status=Status.CANCELLED)
        .values("mode", "language", "interpreter_language")
        .annotate(count=Count("id"))
        .order_by()
    )
    modes: dict[str, Share] = {}
    languages: dict[str, Share] = {}
    whole = 0
    for row in rows:
        count = row["count"]
        whole += count
        mode = modes.setdefault(row["mode"], Share(row["mode"], _label(Mode, row["mode"])))
        mode.count += count
        spoken = consultation_language(
            language=row["language"], interpreter_language=row["interpreter_language"]
        )
        code = spoken or row["interpreter_language"]
        language = languages.setdefault(code, Share(code, code))
        language.count += count
        if spoken is None:
            mode.with_interpreter += count
            language.with_interpreter += count
    return _shares(modes, whole), _shares(languages, whole)


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def office_figures(*, office: Office, first: date, last: date) -> OfficeFigures:
    """The office's figures for the local days `first` to `last`, both included.

    Appointments count on the local day they start, in the office's zone. Cancelled
    appointments count on the day they would have been, as cancelled: each day shows the booked
    slots split into held (completed), no-show, cancelled and still booked. The no-show rate is
    no-shows of the appointments with an outcome (held or no-show). Modes and languages are
    shares of the appointments not cancelled. The interpreter figures are those of the monthly
    interpreter report (`interpreter_figures`): requests made in the period, cancelled ones that
    were never filled left out; the fill rate is filled of those.
    """
    check_period(first, last)
    since, until = office.day_bounds(first, last)
    # A time held for an invitation is not a booking (yet).
    appointments = Appointment.objects.filter(
        topic__office=office, start__gte=since, start__lt=until
    ).exclude(status=Status.HELD)
    days, totals = _days(appointments, office, first, last)
    modes, languages = _modes_and_languages(appointments)
    interpreter_rows = interpreter_figures(office=office, since=since, until=until)
    codes = {share.code for share in languages} | {row["language"] for row in interpreter_rows}
    names = dict(Language.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    for share in languages:
        share.label = names.get(share.code, share.code)
    languages.sort(key=lambda s: (-s.count, s.label))
    interpreting = [
        InterpreterLanguageFigures(
            code=row["language"],
            label=names.get(row["language"], row["language"]),
            requests=row["requests"],
            filled=row["filled"],
            fallbacks=row["fallbacks"],
            fill_percent=percent(row["filled"], row["requests"]),
        )
        for row in interpreter_rows
    ]
    requests = sum(row.requests for row in interpreting)
    filled = sum(row.filled for row in interpreting)
    return OfficeFigures(
        office=office,
        first=first,
        last=last,
        days=days,
        totals=totals,
        no_show_percent=percent(totals.no_show, totals.completed + totals.no_show),
        modes=modes,
        languages=languages,
        interpreting=interpreting,
        interpreter_requests=requests,
        interpreter_filled=filled,
        interpreter_fallbacks=sum(row.fallbacks for row in interpreting),
        fill_percent=percent(filled, requests),
    )
