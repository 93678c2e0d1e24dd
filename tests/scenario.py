"""The shared test scenario: Berlin, the frozen week's days and times, people in each role, `book()`."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from appointments.models import Caseworker, Client, Interpreter, Office, Topic
from appointments.services.booking import Booking, ClientDetails, book_appointment
from tests.factories import (
    CaseworkerFactory,
    ClientFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)

# The offices' zone; every wall-clock time in the tests is read in it.
BERLIN = ZoneInfo("Europe/Berlin")

# The frozen week (tests/conftest.py freezes "now" at Monday 07:00).
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
THURSDAY = date(2026, 12, 3)
SATURDAY = date(2026, 12, 5)


def at(day: date, clock: str | time) -> datetime:
    """`day` at the wall-clock time `clock` ("09:30", or a `time`) in Berlin."""
    return datetime.combine(
        day, clock if isinstance(clock, time) else time.fromisoformat(clock), tzinfo=BERLIN
    )


def iso(day: date, clock: str | time) -> str:
    """The ISO 8601 text of `at(day, clock)`, with its offset, as forms and the API take it."""
    return at(day, clock).isoformat()


# The frozen "now" most tests start from.
MONDAY_MORNING = at(MONDAY, "07:00")
MONDAY_9 = at(MONDAY, "09:00")
MONDAY_EVENING = at(MONDAY, "18:00")
TUESDAY_9 = at(TUESDAY, "09:00")
TUESDAY_10 = at(TUESDAY, "10:00")
THURSDAY_9 = at(THURSDAY, "09:00")

# Pages in English: the request header for the test client.
ENGLISH = {"accept-language": "en"}

# The client most tests book for, as she gives her details (her mobile number as she types it).
PHONE = "0151 23456789"
AYLIN = ClientDetails(name="Aylin Demir", phone=PHONE, sms_consent=True)
# The same client with her e-mail address and customer number, for pages and exports that show them.
AYLIN_IN_FULL = replace(AYLIN, email="aylin@example.org", customer_number="123D456789")


def book(
    topic: Topic,
    start: datetime = TUESDAY_9,
    *,
    mode: str = "video",
    client: ClientDetails = AYLIN,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    customer_number: str | None = None,
    client_language: str | None = None,
    sms_consent: bool | None = None,
    by_staff: bool = False,
    **extra,
) -> Booking:
    """Book `topic` at `start` through the real booking service, for `client` (AYLIN by default).

    `name` … `sms_consent` replace those of the client's details (`client_language` is the
    language she reads her messages in); `by_staff` books on her behalf as a member of staff
    (a new user with no caseworker profile); anything else (`caseworker`, `booked_by`,
    `language`, `interpreter_language`, `verification_token`, `now`) goes to the service as is.
    """
    changes = {
        "name": name,
        "phone": phone,
        "email": email,
        "customer_number": customer_number,
        "language": client_language,
        "sms_consent": sms_consent,
    }
    details = replace(client, **{field: value for field, value in changes.items() if value is not None})
    if by_staff:
        extra["booked_by"] = UserFactory()
    return book_appointment(topic=topic, mode=mode, start=start, client=details, **extra)


@dataclass(frozen=True)
class People:
    """One office with a topic and a person in each role (all caseworkers keep weekday hours 09–12)."""

    office: Office
    topic: Topic
    caseworker: Caseworker  # Frau Schmidt: the client's caseworker
    colleague: Caseworker  # Herr Weber: a caseworker of the same office and topic
    coordinator: Caseworker  # Frau Yılmaz: coordinates the office
    interpreter: Interpreter  # Samira Haddad: interprets Arabic, has a login
    client: Client  # Aylin Demir, with AYLIN's number


@pytest.fixture
def people(db) -> People:
    office = OfficeFactory()
    topic = TopicFactory(office=office)
    caseworkers = []
    for name, coordinator in (("Frau Schmidt", False), ("Herr Weber", False), ("Frau Yılmaz", True)):
        worker = CaseworkerFactory(
            office=office, topics=[topic], display_name=name, is_coordinator=coordinator
        )
        week_of_hours(worker)
        caseworkers.append(worker)
    caseworker, colleague, coordinator = caseworkers
    return People(
        office=office,
        topic=topic,
        caseworker=caseworker,
        colleague=colleague,
        coordinator=coordinator,
        interpreter=InterpreterFactory(name="Samira Haddad", user=UserFactory(), languages=["ar"]),
        client=ClientFactory(name="Aylin Demir", phone="+4915123456789"),
    )
