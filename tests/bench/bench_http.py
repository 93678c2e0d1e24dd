"""HTTP under load: slots, booking, the manage page and the staff day page, from concurrent clients
against the production server (daphne, one process per core) on PostgreSQL and Redis.

The servers run with DEBUG off and the throttles raised out of the way (they would answer 429
after a few requests from one address); requests say they came over TLS, as nginx does.
Each figure: requests per second over the whole run, median and p95 latency, and the requests
that did not get the expected status (printed, not asserted: on a shared machine PostgreSQL may
run out of connections, which shows as 503s).
"""

import asyncio
import contextlib
import itertools
import os
import time
from datetime import timedelta

import aiohttp
import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Caseworker
from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails, book_appointment
from tests.bench.helpers import Timings, analyze, book_half_the_time, build_office, report
from tests.realtime.conftest import session_cookie
from tests.realtime.servers import daphne

CLIENTS = 8
PROCESSES = os.cpu_count() or 2
REQUESTS = 300

SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-bench-only",
    "ALLOWED_HOSTS": "127.0.0.1",
    "CONN_MAX_AGE": "60",  # as deploy/ sets it
    # Production refuses the console back ends; nothing is sent here (the outbox worker sends).
    "SMS_BACKEND": "appointments.providers.sms.TwilioBackend",
    "TWILIO_ACCOUNT_SID": "ACbench",
    "TWILIO_AUTH_TOKEN": "bench",
    "TWILIO_FROM": "+493000000000",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    **{
        f"THROTTLE_{scope}": "1000000/minute"
        for scope in ("BOOKING", "BOOKING_DAY", "SLOTS", "MANAGE", "VERIFICATION")
    },
}
OVER_TLS = {"X-Forwarded-Proto": "https"}


async def _load(bases: list[str], requests: list[tuple[str, str, dict]], *, expected: int, headers: dict):
    """Send `requests` (method, path, keyword arguments) from CLIENTS clients at once, spread
    round robin over the servers; the latencies and the number of unexpected answers."""
    pending = iter(enumerate(requests))
    latencies: list[float] = []
    failures: list[str] = []

    async def client(session: aiohttp.ClientSession) -> None:
        for number, (method, path, options) in pending:
            began = time.perf_counter()
            async with session.request(method, bases[number % len(bases)] + path, **options) as answer:
                body = await answer.read()
            latencies.append((time.perf_counter() - began) * 1000)
            if answer.status != expected:
                failures.append(f"{answer.status} {body[:200]!r}")

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector, headers={**OVER_TLS, **headers}) as session:
        began = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - began
    return elapsed, Timings(latencies), failures


def _run(name: str, bases, requests, *, expected: int = 200, headers: dict | None = None) -> None:
    # One warm-up request per server process: imports and connections are not the figure.
    asyncio.run(_load(bases, requests[: len(bases)], expected=expected, headers=headers or {}))
    elapsed, latency, failures = asyncio.run(
        _load(bases, requests[len(bases) :], expected=expected, headers=headers or {})
    )
    count = len(requests) - len(bases)
    report(
        f"HTTP {name}, {CLIENTS} clients, {len(bases)} daphne processes: {count / elapsed:.0f} req/s, "
        f"median {latency.median:.1f} ms, p95 {latency.p95:.1f} ms, {len(failures)} errors"
        + (f" (first: {failures[0]})" if failures else "")
    )


@contextlib.contextmanager
def _servers(redis_url: str):
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(daphne(env={**SERVER_ENV, "REDIS_URL": redis_url})) for _ in range(PROCESSES)
        ]


@pytest.mark.postgres
def test_http_slots_booking_manage_and_day_page(shared_redis):
    # A 50-caseworker office, half booked over four weeks from today.
    topic = build_office(50, name="http")
    today = timezone.localdate(timezone.now(), topic.office.zone)
    book_half_the_time(topic, days=28, first_day=today)
    analyze()
    week = {"date_from": today.isoformat(), "date_to": (today + timedelta(days=6)).isoformat()}
    slots_path = (
        f"{reverse('api-slots')}?topic={topic.slug}&date_from={week['date_from']}&date_to={week['date_to']}"
    )
    caseworker = Caseworker.objects.filter(office=topic.office).order_by("pk").first()
    later = free_slots(topic=topic, date_from=today + timedelta(days=14), date_to=today + timedelta(days=27))
    own = book_appointment(
        topic=topic,
        mode="telephone",
        start=later[-1].start,
        client=ClientDetails(name="Kundin Last", phone="+4915199999999"),
        booked_by=caseworker.user,
    )
    manage_path = reverse("frontend:manage", args=[own.appointment.reference, own.manage_token])
    bookable = free_slots(
        topic=topic, date_from=today + timedelta(days=1), date_to=today + timedelta(days=13)
    )

    with _servers(shared_redis) as bases:
        _run("GET /api/v1/slots/ (50 caseworkers, a week)", bases, [("GET", slots_path, {})] * REQUESTS)
        _run("GET manage page", bases, [("GET", manage_path, {})] * REQUESTS)
        _run(
            "GET staff day page",
            bases,
            [("GET", reverse("staff:day"), {})] * REQUESTS,
            headers={"Cookie": session_cookie(caseworker.user)},
        )
        numbers = itertools.count()
        bookings = [
            (
                "POST",
                reverse("api-bookings"),
                {
                    "json": {
                        "topic": topic.slug,
                        "mode": "telephone",
                        "start": slot.start.isoformat(),
                        "client": {
                            "name": "Kunde",
                            "phone": f"+4915123{next(numbers):06d}",
                            "sms_consent": True,
                        },
                    }
                },
            )
            for slot in bookable[:REQUESTS]
        ]
        _run("POST /api/v1/bookings/", bases, bookings, expected=201)
