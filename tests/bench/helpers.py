"""Building large offices quickly, timing calls, and printing figures for the benchmarks.

Timings use `time.perf_counter()`: time_machine freezes the wall clock (`time.time`,
`datetime.now`) but leaves the performance counter running.
"""

import contextlib
import cProfile
import gc
import io
import math
import pstats
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import holidays
from django.contrib.auth import get_user_model
from django.db import connection

from appointments.models import Appointment, AvailabilityRule, Caseworker, Client, Language, Topic
from tests.factories import ClientFactory, OfficeFactory, TopicFactory

FIRST_DAY = date(2026, 11, 30)

# Realistic weekly hours: Monday to Friday, 08:00–12:00 and 13:00–16:00 local time.
HOURS = ((clock(8), clock(12)), (clock(13), clock(16)))
MODES = ["telephone", "video"]

# Every figure printed during the run, repeated in the terminal summary.
REPORTED: list[str] = []


def report(line: str) -> None:
    print(f"\n{line}", flush=True)
    REPORTED.append(line)


def build_office(
    caseworkers: int, *, name: str, hours: tuple[tuple[clock, clock], ...] = HOURS, step_minutes: int = 15
) -> Topic:
    """An office with one 30-minute topic (telephone and video, 15-minute step) and its caseworkers.

    Each caseworker speaks German, offers the topic, and works the weekly `hours`.
    Everything beyond the office and the topic is created in bulk.
    """
    Language.objects.get_or_create(code="de", defaults={"name": "Deutsch"})
    office = OfficeFactory(name=f"Jobcenter {name}", slug=f"bench-{name}", slot_step_minutes=step_minutes)
    topic = TopicFactory(office=office, slug=f"bench-{name}-topic", modes=MODES)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-{name}-{i}") for i in range(caseworkers)
    )
    workers = Caseworker.objects.bulk_create(
        Caseworker(user=user, office=office, display_name=f"Fachkraft {i:03d}")
        for i, user in enumerate(users)
    )
    Caseworker.topics.through.objects.bulk_create(
        Caseworker.topics.through(caseworker=worker, topic=topic) for worker in workers
    )
    Caseworker.languages.through.objects.bulk_create(
        Caseworker.languages.through(caseworker=worker, language_id="de") for worker in workers
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(caseworker=worker, weekday=weekday, start_time=start, end_time=end, modes=MODES)
        for worker in workers
        for weekday in range(5)
        for start, end in hours
    )
    return topic


def book_half_the_time(
    topic: Topic,
    *,
    days: int,
    first_day: date = FIRST_DAY,
    hours: tuple[tuple[clock, clock], ...] = HOURS,
    on_holidays: bool = False,
    seed: int = 20261130,
) -> int:
    """Book half of every caseworker's 30-minute blocks on each working day (Monday to Friday,
    public holidays too if `on_holidays`), in bulk.

    Blocks lie on the half-hour grid and never overlap, so the exclusion constraint
    holds; which half is booked is random (seeded) per caseworker and day.
    """
    office = topic.office
    zone = office.zone
    closed = holidays.country_holidays("DE", subdiv=office.state, years=range(2026, 2028))
    client = ClientFactory()
    duration = topic.duration
    rng = random.Random(seed)
    appointments = []
    worker_ids = list(Caseworker.objects.filter(office=office).order_by("pk").values_list("pk", flat=True))
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5 or (day in closed and not on_holidays):
            continue
        for worker_id in worker_ids:
            for start_time, end_time in hours:
                first = datetime.combine(day, start_time, tzinfo=zone)
                blocks = int((datetime.combine(day, end_time, tzinfo=zone) - first) / duration)
                for block in rng.sample(range(blocks), blocks // 2):
                    start = first + block * duration
                    number = len(appointments)
                    appointments.append(
                        Appointment(
                            reference=f"BENCH{number:07d}",
                            manage_token_hash=f"{number:064d}",
                            client=client,
                            caseworker_id=worker_id,
                            topic=topic,
                            mode=MODES[number % 2],
                            start=start,
                            end=start + duration,
                            blocked_from=start,
                            blocked_until=start + duration,
                        )
                    )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    analyze()
    return len(appointments)


def analyze() -> None:
    """Give PostgreSQL's planner statistics for rows this test created (as autovacuum would)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Appointment, AvailabilityRule, Caseworker, Client):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


@dataclass(frozen=True)
class Timings:
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile."""
        ordered = sorted(self.samples_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure(call: Callable[[], object], *, repetitions: int = 30, warmup: int = 3) -> Timings:
    """Time `call` with the performance counter, after a few untimed warm-up runs."""
    for _ in range(warmup):
        call()
    gc.collect()
    samples = []
    for _ in range(repetitions):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return Timings(samples)


def profile(call: Callable[[], object], *, repetitions: int, top: int = 20) -> str:
    """Where `repetitions` calls spend their time, as pstats prints it: the `top` functions by own
    time, then the project's own functions by cumulative time (what each of our steps costs)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repetitions):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"/(appointments|backend|realtime|frontend)/", top)
    return out.getvalue()


# Servers started by the benchmarks run as deployed: DEBUG off (no query log held in memory),
# a pool of database connections. The test process signs its session cookies with the same key.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-bench-only",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DB_POOL_SIZE": "10",  # as deploy/ sets it
    # Production refuses the console back ends; nothing is sent here (the outbox worker sends).
    "SMS_BACKEND": "appointments.providers.sms.TwilioBackend",
    "TWILIO_ACCOUNT_SID": "ACbench",
    "TWILIO_AUTH_TOKEN": "bench",
    "TWILIO_FROM": "+493000000000",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


@contextlib.contextmanager
def py_spy_profile(process, who: str, what: str, *, top: int = 15):
    """py-spy samples `process` meanwhile; the functions it was found in most (own time), printed after."""
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        spy = subprocess.Popen(  # noqa: S603 (the venv's py-spy)
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(process.pid),
                "--format",
                "raw",
                "--output",
                out.name,
                "--nonblocking",
                "--rate",
                "200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)
            _out, error = spy.communicate(timeout=30)
        own: Counter[str] = Counter()
        for line in Path(out.name).read_text().splitlines():
            stack, _space, count = line.rpartition(" ")
            own[stack.rsplit(";", 1)[-1]] += int(count)
    total = sum(own.values())
    if not total:
        report(f"py-spy recorded nothing ({error.decode()[-200:].strip()})")
        return
    lines = [f"{100 * count / total:5.1f} %  {frame}" for frame, count in own.most_common(top)]
    report(f"py-spy, {who} during {what}, {total} samples, own time:\n" + "\n".join(lines))
