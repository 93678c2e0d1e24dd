"""An absent caseworker (Frau Yılmaz, sick Monday to Wednesday) with clients, and a colleague (Herr Weber)."""

import secrets
from datetime import datetime, time, timedelta

from appointments.models import Absence, Appointment, Invitation
from tests.factories import (
    AbsenceFactory,
    AppointmentFactory,
    CaseworkerFactory,
    ClientFactory,
    week_of_hours,
)
from tests.scenario import MONDAY, at


def absent_and_colleague(topic):
    """Yılmaz works 08–16, Weber 08–12 on weekdays; Yılmaz is sick from Monday to Wednesday."""
    absent = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Frau Yılmaz")
    week_of_hours(absent, start=time(8), end=time(16))
    colleague = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Herr Weber")
    week_of_hours(colleague, start=time(8), end=time(12))
    return absent, colleague


def appointment(topic, caseworker, start: datetime, **extra) -> Appointment:
    return AppointmentFactory(
        topic=topic,
        caseworker=caseworker,
        start=start,
        client=extra.pop("client", None) or ClientFactory(sms_consent=True),
        **extra,
    )


def sick(caseworker) -> Absence:
    return AbsenceFactory(
        caseworker=caseworker,
        kind=Absence.Kind.SICKNESS,
        start=at(MONDAY, "00:00"),
        end=at(MONDAY + timedelta(3), "00:00"),
    )


def new_invitation(*, client, caseworker, topic, **fields) -> Invitation:
    """An open invitation written straight to the table; give `start` or the window, and `deadline`."""
    return Invitation.objects.create(
        token_hash=secrets.token_hex(32),
        code_hash=secrets.token_hex(32),
        client=client,
        caseworker=caseworker,
        topic=topic,
        modes=["video"],
        **fields,
    )


def invitation(topic, caseworker, *, start: datetime | None = None, window: tuple | None = None, held=False):
    """An open invitation to a fixed time (held as a HELD appointment if `held`) or to a window."""
    client = ClientFactory(sms_consent=True)
    invitation = new_invitation(
        client=client,
        caseworker=caseworker,
        topic=topic,
        start=start,
        window_from=window[0] if window else None,
        window_until=window[1] if window else None,
        deadline=at(MONDAY, "23:00"),
    )
    if held:
        invitation.appointment = appointment(
            topic, caseworker, start, client=client, status=Appointment.Status.HELD
        )
        invitation.save(update_fields=["appointment"])
    return invitation
