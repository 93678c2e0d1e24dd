"""Scale-out as deployed: two web processes and two message workers on one PostgreSQL and one Redis.

Bookings go through both web processes; a caseworker's dashboard on the first hears every one
of them; the two workers share the messages and Twilio (a local fake, through the real client)
receives each SMS exactly once.
"""

import asyncio
import json
from collections import Counter
from datetime import datetime, time, timedelta

import aiohttp
import pytest
from django.utils import timezone

from appointments.models import Appointment, Notification
from appointments.services.booking import cancel_appointment
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours
from tests.fakes.twilio import FakeTwilio
from tests.fakes.workers import start_worker
from tests.realtime.conftest import session_cookie
from tests.realtime.servers import web_server
from tests.realtime.test_multiprocess import socket

pytestmark = pytest.mark.postgres

BOOKINGS = 16


def free_starts(office, count: int) -> list[datetime]:
    """`count` start times tomorrow from 08:00 (office time), 30 minutes apart, all within one day.

    These web processes run on the real clock, so the day is tomorrow's, whatever the time now.
    """
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(office.zone).date()
    first = datetime.combine(tomorrow, time(8), tzinfo=office.zone)
    return [first + timedelta(minutes=30 * n) for n in range(count)]


def booking(topic, start: datetime, n: int) -> dict:
    return {
        "topic": topic.slug,
        "mode": "telephone",
        "start": start.isoformat(),
        "language": "de",
        "interpreter_language": None,
        "client": {
            "name": f"Kundin {n}",
            "phone": f"+49151234500{n:02d}",
            "email": None,
            "customer_number": None,
            "sms_consent": True,
        },
    }


async def book_through_both(bases, bodies, cookie) -> list[dict]:
    """POST every booking, alternating between the web processes, while a dashboard listens on the first."""
    async with aiohttp.ClientSession() as session:
        feed = await socket(session, bases[0], "/ws/staff/", cookie)
        replies = []
        for n, body in enumerate(bodies):
            async with session.post(
                f"{bases[n % 2]}/api/v1/bookings/",
                data=json.dumps(body),
                headers={"Content-Type": "application/json"},
            ) as response:
                assert response.status == 201, await response.text()
                replies.append(await response.json())
        heard = []
        while len(heard) < len(bodies):
            event = await feed.receive_json(timeout=10)
            if event["type"] == "appointment" and event["op"] == "booked":
                heard.append(event["reference"])
        await feed.close()
    assert sorted(heard) == sorted(reply["reference"] for reply in replies)
    return replies


def test_bookings_through_two_web_processes_and_messages_through_two_workers(shared_redis, tmp_path):
    office = OfficeFactory(
        require_phone_verification=False, min_notice=timedelta(0), reminder_offsets_minutes=[60]
    )
    topic = TopicFactory(office=office, modes=["telephone"])
    caseworker = CaseworkerFactory(office=office, topics=[topic])
    week_of_hours(
        caseworker,
        start=datetime.min.time(),
        end=datetime.max.time().replace(microsecond=0),
        weekdays=range(7),
    )
    bodies = [booking(topic, start, n) for n, start in enumerate(free_starts(office, BOOKINGS))]

    env = {"REDIS_URL": shared_redis, "THROTTLE_BOOKING": "1000/hour", "DB_POOL_SIZE": "10"}  # as deployed
    with web_server(env=env) as one, web_server(env=env) as two:
        replies = asyncio.run(book_through_both([one, two], bodies, session_cookie(caseworker.user)))
    assert (
        Appointment.objects.filter(reference__in=[reply["reference"] for reply in replies]).count()
        == BOOKINGS
    )

    # The reminders fall due now: the workers cannot be sent forward in time, their rows can.
    Notification.objects.filter(kind=Notification.Kind.REMINDER).update(due_at=timezone.now())
    sms = Notification.objects.filter(channel=Notification.Channel.SMS)
    expected = sms.count()
    assert expected == 2 * BOOKINGS  # a confirmation and a reminder each

    fake = FakeTwilio(delay=0.02)
    log = tmp_path / "workers.log"
    try:
        workers = [start_worker(fake, log, "--until-idle") for _ in range(2)]
        for worker in workers:
            assert worker.wait(timeout=120) == 0, log.read_text()
    finally:
        fake.stop()

    per_message = Counter((request["To"], request["Body"]) for request in fake.requests)
    assert len(per_message) == expected
    assert max(per_message.values()) == 1, per_message.most_common(3)
    assert sms.filter(status=Notification.Status.SENT).count() == expected
    assert {request["To"] for request in fake.requests} == {body["client"]["phone"] for body in bodies}


async def shown_by_each(bases, path) -> list[list[str]]:
    async with aiohttp.ClientSession() as session:
        lists = []
        for base in bases:
            async with session.get(base + path) as response:
                assert response.status == 200, await response.text()
                lists.append([slot["start"] for slot in (await response.json())["results"]])
        return lists


def test_no_web_process_shows_a_time_taken_or_given_back_elsewhere(shared_redis, settings):
    """The free times are cached in Redis for both web processes; a booking through one, and a
    cancellation in a third process, are seen by both at their very next request."""
    office = OfficeFactory(require_phone_verification=False, min_notice=timedelta(0))
    topic = TopicFactory(office=office, modes=["telephone"])
    caseworker = CaseworkerFactory(office=office, topics=[topic])
    week_of_hours(caseworker, start=time(0), end=time(23, 59), weekdays=range(7))
    start = free_starts(office, 1)[0]
    day = start.date().isoformat()
    path = f"/api/v1/slots/?topic={topic.slug}&date_from={day}&date_to={day}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": shared_redis}
    }
    settings.SLOT_CACHE_SECONDS = 60

    env = {"REDIS_URL": shared_redis, "THROTTLE_BOOKING": "1000/hour", "DB_POOL_SIZE": "10"}  # as deployed
    with web_server(env=env) as one, web_server(env=env) as two:
        before = asyncio.run(shown_by_each([one, two, one, two], path))
        assert all(start.isoformat() in shown for shown in before)
        assert before[0] == before[1] == before[2] == before[3]

        async def book_through_one():
            async with (
                aiohttp.ClientSession() as session,
                session.post(f"{one}/api/v1/bookings/", json=booking(topic, start, 1)) as response,
            ):
                assert response.status == 201, await response.text()

        asyncio.run(book_through_one())
        after = asyncio.run(shown_by_each([two, one], path))
        assert all(start.isoformat() not in shown for shown in after)

        appointment = Appointment.objects.get(topic=topic, start=start)
        cancel_appointment(appointment=appointment, by="staff", actor=caseworker.user)
        again = asyncio.run(shown_by_each([two, one], path))
        assert again == [before[0], before[0]]
