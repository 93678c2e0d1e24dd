"""How interpreter requests fared, per language: filled, filled before an alert, time to accept, fallbacks."""

from __future__ import annotations

from datetime import date, datetime
from statistics import median

from appointments.models import InterpreterRequest, Office

Status = InterpreterRequest.Status


def interpreter_figures(*, office: Office, since: datetime, until: datetime) -> list[dict]:
    """Per language: requests, filled, filled before any alert, minutes to accept (median), fallbacks."""
    made = InterpreterRequest.objects.filter(
        appointment__topic__office=office, created_at__gte=since, created_at__lt=until
    ).exclude(status=Status.CANCELLED, interpreter__isnull=True, accepted_at__isnull=True)
    figures: dict[str, dict] = {}
    for interpreter_request in made.select_related("appointment__topic__office"):
        row = figures.setdefault(
            interpreter_request.language_id,
            {
                "language": interpreter_request.language_id,
                "requests": 0,
                "filled": 0,
                "filled_in_time": 0,
                "fallbacks": 0,
                "_waits": [],
            },
        )
        row["requests"] += 1
        if interpreter_request.accepted_at:
            row["filled"] += 1
            wait = interpreter_request.accepted_at - interpreter_request.created_at
            row["_waits"].append(wait.total_seconds() / 60)
            if interpreter_request.escalated_at is None:
                row["filled_in_time"] += 1
        if interpreter_request.fallback_at:
            row["fallbacks"] += 1
    result = []
    for row in sorted(figures.values(), key=lambda r: r["language"]):
        waits = row.pop("_waits")
        row["median_minutes_to_accept"] = round(median(waits), 1) if waits else None
        result.append(row)
    return result


def monthly_interpreter_figures(*, office: Office, month: date | None = None) -> tuple[datetime, list[dict]]:
    """The figures for one calendar month in the office's zone (this month if none is given)."""
    month = month or office.today()
    first = datetime(month.year, month.month, 1, tzinfo=office.zone)
    after = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=office.zone)
    return first, interpreter_figures(office=office, since=first, until=after)
