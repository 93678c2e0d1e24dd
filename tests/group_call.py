"""A video group session starting in a few minutes, with booked places: for the group-call tests.

Real time, not frozen: Janus checks the expiry of our tokens against its own clock.
"""

from dataclasses import dataclass, replace
from datetime import timedelta

from django.utils import timezone

from appointments.models import Appointment, GroupSession
from appointments.services.group_sessions import book_place, schedule_group_session
from tests.factories import CaseworkerFactory, TopicFactory
from tests.scenario import AYLIN


@dataclass
class Place:
    appointment: Appointment
    token: str

    @property
    def reference(self) -> str:
        return self.appointment.reference


@dataclass
class VideoSession:
    session: GroupSession
    places: list[Place]

    @property
    def room(self) -> str:
        return self.session.call_room

    @property
    def host(self):
        return self.session.hosts.get().user


def video_session(*, places: int = 2, starts_in: timedelta = timedelta(minutes=5)) -> VideoSession:
    """Needs VIDEO_BACKEND=janus (tests/janus.py use_janus); clients are named "Teilnehmerin N …"."""
    topic = TopicFactory(
        name="Gruppeninformation", group=True, modes=["video"], duration=timedelta(minutes=60)
    )
    topic.office.require_phone_verification = False
    topic.office.save()
    host = CaseworkerFactory(office=topic.office)
    start = timezone.now() + starts_in
    session = schedule_group_session(
        topic=topic, start=start, hosts=[host], capacity=max(places, 1) + 2, mode="video"
    )
    booked = []
    for n in range(1, places + 1):
        client = replace(AYLIN, name=f"Teilnehmerin{n} Demir", phone=f"0151 2345{n:04d}")
        booking = book_place(session=session, client=client, now=start - timedelta(days=3))
        booked.append(Place(booking.appointment, booking.manage_token))
    return VideoSession(session, booked)
