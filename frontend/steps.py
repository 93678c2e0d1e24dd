"""What booking in steps shares: answers kept in the session, pages of free times, the check of a start."""

import functools
from datetime import date, datetime, timedelta
from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from appointments.dates import parse_moment
from appointments.exceptions import ApplicationError, InvalidDate, SlotNotOffered, SlotTaken
from appointments.models import Caseworker, Topic
from appointments.services.availability import Slot, check_start, free_slots
from appointments.services.booking import consultation_language
from appointments.services.texts import when

DAYS_PER_PAGE = 3  # a phone's screen; the staff pages show more


def posted(request: HttpRequest):
    """The submitted data, even when empty, so that an empty form is checked; None on GET."""
    return request.POST if request.method == "POST" else None


def parse_start(raw: object) -> datetime | None:
    """The chosen start from a form or the session; None when it is missing or malformed."""
    try:
        return parse_moment(raw, field="start")
    except InvalidDate:
        return None


class Steps:
    """The answers of one booking in progress, each checked again whenever read.

    A subclass says where in the session its answers live (`store`), its `steps` in order, one
    `_valid_<step>` per step, and where a step opened too early leads instead (`back_from`); a view
    decorated with `@Subclass.step(name)` gets the answers only when every step before is answered.
    """

    steps: tuple[str, ...] = ()

    def __init__(self, request: HttpRequest, data: dict | None) -> None:
        self.request = request
        self.data = data
        self.topic: Topic | None = None

    @classmethod
    def step(cls, name: str):
        """The view of step `name`: called with the answers (from the session and the URL's
        arguments), or not at all when a step before it still needs an answer."""

        def decorate(view):
            @functools.wraps(view)
            def opened(request: HttpRequest, **kwargs) -> HttpResponse:
                answers = cls(request, **kwargs)
                back = answers.back_from(name)
                return back if back is not None else view(request, answers)

            return opened

        return decorate

    def back_from(self, step: str) -> HttpResponse | None:
        """Where to go instead of `step` (the first step still to answer), or None to show it."""
        raise NotImplementedError

    def store(self) -> None:
        raise NotImplementedError

    def save(self, **answers) -> None:
        self.data.update(answers)
        self.store()

    def forget(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)
        self.store()

    def first_missing(self, upto: str) -> str | None:
        """The first step before `upto` whose answer is missing or no longer valid."""
        for step in self.steps[: self.steps.index(upto)]:
            if not getattr(self, f"_valid_{step}")():
                return step
        return None

    def _valid_start(self) -> bool:
        return self.start is not None

    @property
    def start(self) -> datetime | None:
        return parse_start(self.data.get("start"))

    @property
    def interpreter_language(self) -> str | None:
        raise NotImplementedError

    @property
    def spoken(self) -> str | None:
        """The language the consultation's times must suit (see consultation_language)."""
        return consultation_language(
            language=self.data.get("language"), interpreter_language=self.interpreter_language
        )


def slot_page(
    *,
    topic: Topic,
    mode: str,
    language: str | None,
    first_day: date | None,
    caseworker: Caseworker | None = None,
    per_page: int = DAYS_PER_PAGE,
) -> dict:
    """A few days with free times from `first_day` on, earliest first, and where the next page starts."""
    today = topic.office.today()
    first = max(first_day or today, today)
    slots = free_slots(
        topic=topic,
        date_from=first,
        date_to=today + timedelta(days=topic.office.horizon_days),
        mode=mode,
        language=language,
        caseworker_ids=[caseworker.pk] if caseworker else None,
        shared=True,
    )
    return {**slot_days(slots, per_page=per_page), "earlier": first > today}


def slot_days(slots: list[Slot], *, per_page: int = DAYS_PER_PAGE) -> dict:
    """The first few days of `slots` with their times, and the day the next page starts."""
    ui_language = translation.get_language()
    days = []
    later = None
    for day, grouped in groupby(slots, key=lambda slot: slot.start.date()):
        if len(days) == per_page:
            later = day
            break
        day_slots = list(grouped)
        times = [
            {"value": slot.start.isoformat(), "label": when(ui_language, slot.start)["time"]}
            for slot in day_slots
        ]
        days.append({"label": when(ui_language, day_slots[0].start)["long_date"], "times": times})
    return {"days": days, "later": later.isoformat() if later else None}


def start_problem(
    *, topic: Topic, mode: str, start: datetime | None, language: str | None, caseworker: Caseworker | None
) -> ApplicationError | None:
    """Why this start cannot be chosen (with `caseworker`, if given), or None if it can: the
    booking's own check, asked before the last step so that a gone time is told at once."""
    if start is None:
        return SlotNotOffered()
    check = check_start(
        topic=topic,
        mode=mode,
        start=start,
        language=language,
        caseworker_ids=[caseworker.pk] if caseworker else None,
    )
    if not check.offered:
        return SlotNotOffered()
    if not check.free:
        return SlotTaken()
    return None


def slot_gone(exc: ApplicationError) -> str:
    """What to say when the chosen time was taken or is no longer offered, above the fresh times."""
    return f"{exc.message} {_('Here are the times that are free now.')}"
