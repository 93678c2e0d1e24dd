"""HTTP under load: slots, booking, the manage page and the staff day page, from concurrent clients
against real servers (one process per core) on PostgreSQL and Redis, side by side:

- daphne as deployed before issue #15 (persistent connections, `CONN_MAX_AGE=60`),
- daphne with a pool of connections per process (`DB_POOL_SIZE=10`),
- uvicorn as deployed now (the same pool, httptools' parser), uvicorn on its pure-Python h11
  parser, and granian with the same settings, serving the same `backend.asgi:application`.

The servers run with DEBUG off and the throttles raised out of the way (they would answer 429
after a few requests from one address); requests say they came over TLS, as nginx does.
Each figure: requests per second over the whole run, median and p95 latency, and the requests
that did not get the expected status (printed, not asserted; a redirect counts). The top of a
py-spy profile of one uvicorn process during slots and bookings is printed too, from runs of
their own (py-spy slows what it samples).
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
from tests.bench.helpers import (
    PRODUCTION_ENV,
    Timings,
    analyze,
    book_half_the_time,
    build_office,
    py_spy_profile,
    report,
)
from tests.realtime.conftest import session_cookie
from tests.realtime.servers import server_process

CLIENTS = 8
PROCESSES = os.cpu_count() or 2
DAPHNE = ["daphne", "-b", "127.0.0.1", "backend.asgi:application", "-p"]
REQUESTS = 300
# Cached slot answers take a few milliseconds: more of them, or the figure is the warm-up's.
SLOT_REQUESTS = 3000
WARM_UP = 10  # requests per server process before the clock starts: imports, connections

SERVER_ENV = {
    **PRODUCTION_ENV,
    **{
        f"THROTTLE_{scope}": "1000000/minute"
        for scope in ("BOOKING", "BOOKING_DAY", "SLOTS", "MANAGE", "VERIFICATION")
    },
}
OVER_TLS = {"X-Forwarded-Proto": "https"}

# uvicorn as the deploy files run it, without their websocket and proxy options; `--http` follows.
UVICORN = [
    "uvicorn",
    "backend.asgi:application",
    "--host",
    "127.0.0.1",
    "--lifespan",
    "off",
    "--no-access-log",
]
# How each server is started (`python -m …`, the port appended), and its settings beside SERVER_ENV.
SERVERS = {
    "daphne, CONN_MAX_AGE=60 (before)": (DAPHNE, {"DB_POOL_SIZE": "0", "CONN_MAX_AGE": "60"}),
    "daphne, pool": (DAPHNE, {}),
    "uvicorn, pool": ([*UVICORN, "--http", "httptools", "--port"], {}),
    "uvicorn, h11 (without httptools)": ([*UVICORN, "--http", "h11", "--port"], {}),
    "granian, pool": (
        [
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--log-level",
            "warning",
            "backend.asgi:application",
            "--port",
        ],
        {},
    ),
}
PROFILED = "uvicorn, pool"
# BENCH_HTTP_SERVERS="daphne, pool|granian, pool" measures only those.
MEASURED = [
    name for name in SERVERS if name in os.environ.get("BENCH_HTTP_SERVERS", "|".join(SERVERS)).split("|")
]


async def _load(bases: list[str], requests: list[tuple[str, str, dict]], *, expected: int, headers: dict):
    """Send `requests` (method, path, keyword arguments) from CLIENTS clients at once, spread
    round robin over the servers; the latencies and the number of unexpected answers."""
    pending = iter(enumerate(requests))
    latencies: list[float] = []
    failures: list[str] = []

    async def client(session: aiohttp.ClientSession) -> None:
        for number, (method, path, options) in pending:
            began = time.perf_counter()
            url = bases[number % len(bases)] + path
            async with session.request(method, url, allow_redirects=False, **options) as answer:
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


def _run(
    server: str, name: str, bases, requests, *, expected: int = 200, headers: dict | None = None
) -> None:
    warm_up = WARM_UP * len(bases)  # imports and connections are not the figure
    asyncio.run(_load(bases, requests[:warm_up], expected=expected, headers=headers or {}))
    elapsed, latency, failures = asyncio.run(
        _load(bases, requests[warm_up:], expected=expected, headers=headers or {})
    )
    count = len(requests) - warm_up
    report(
        f"HTTP {name}, {CLIENTS} clients, {len(bases)} × {server}: {count / elapsed:.0f} req/s, "
        f"median {latency.median:.1f} ms, p95 {latency.p95:.1f} ms, {len(failures)} errors"
        + (f" (first: {failures[0]})" if failures else "")
    )


@contextlib.contextmanager
def _servers(module: list[str], env: dict[str, str]):
    """PROCESSES servers; yields their base URLs and processes."""
    with contextlib.ExitStack() as stack:
        started = [
            stack.enter_context(server_process(module, env={**SERVER_ENV, **env})) for _ in range(PROCESSES)
        ]
        yield [base for base, _process in started], [process for _base, process in started]


@pytest.mark.postgres
def test_http_slots_booking_manage_and_day_page(shared_redis, settings):
    settings.SECRET_KEY = SERVER_ENV["SECRET_KEY"]  # the staff session must hold in the servers
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

    numbers = itertools.count()

    def bookings(slots) -> list:
        return [
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
            for slot in slots
        ]

    cookie = {"Cookie": session_cookie(caseworker.user)}
    for server in MEASURED:
        module, env = SERVERS[server]
        with _servers(module, {"REDIS_URL": shared_redis, **env}) as (bases, processes):
            slots = [("GET", slots_path, {})]
            _run(server, "GET /api/v1/slots/ (50 caseworkers, a week)", bases, slots * SLOT_REQUESTS)
            _run(server, "GET manage page", bases, [("GET", manage_path, {})] * REQUESTS)
            _run(
                server,
                "GET staff day page",
                bases,
                [("GET", reverse("staff:day"), {})] * REQUESTS,
                headers=cookie,
            )
            # Every server books the same times: each has more free caseworkers than servers.
            times = bookable[: REQUESTS + WARM_UP * len(bases)]
            _run(server, "POST /api/v1/bookings/", bases, bookings(times), expected=201)
            if server == PROFILED:  # runs of their own: py-spy slows what it samples
                with py_spy_profile(processes[0], f"one {server}", "GET /api/v1/slots/"):
                    _run(server, "GET /api/v1/slots/ under py-spy", bases, slots * REQUESTS)
                with py_spy_profile(processes[0], f"one {server}", "the bookings"):
                    _run(server, "POST /api/v1/bookings/ under py-spy", bases, bookings(times), expected=201)
