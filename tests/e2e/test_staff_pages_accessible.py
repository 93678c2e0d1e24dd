"""Every page of the staff workspace, as a coordinator sees it in German at 1366×768: no axe violations."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.group_sessions import book_place, schedule_group_session
from appointments.services.invitations import invite_client
from tests.factories import TopicFactory
from tests.realtime.conftest import session_cookie

# Transactional, because the live server reads what the test writes; the languages come back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1366, "height": 768}
PAGES = {
    "day": "/fachkraft/",
    "week": "/fachkraft/woche/",
    "team": "/fachkraft/team/",
    "appointment": "/fachkraft/termin/{id}/",
    "book": "/fachkraft/buchen/",
    "availability": "/fachkraft/verfuegbarkeit/",
    "closures": "/fachkraft/schliesstage/",
    "figures": "/fachkraft/zahlen/",
    "privacy": "/fachkraft/datenschutz/",
    "audit": "/fachkraft/protokoll/",
    "invite": "/fachkraft/einladen/",
    "invite-known": "/fachkraft/einladen/?kunde={client}",
    "invitations": "/fachkraft/einladungen/",
    "invitation-import": "/fachkraft/einladungen/import/",
    "group-sessions": "/fachkraft/gruppen/",
    "group-session": "/fachkraft/gruppen/{session}/",
    "two-factor": "/konto/zwei-faktor/",
    "bad-date": "/fachkraft/?tag=9999-12-31",
}
STATUS = {"bad-date": 400}  # a date outside the calendar: the page that says so


@pytest.fixture
def coordinator_and_appointment(bookable):
    coordinator = bookable.caseworkers.get()
    coordinator.is_coordinator = True
    coordinator.save()
    today = timezone.localdate()
    first = free_slots(topic=bookable, date_from=today, date_to=today + timedelta(days=7), mode="video")[0]
    booking = book_appointment(
        topic=bookable,
        mode="video",
        start=first.start,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
        interpreter_language="ar",
        caseworker=coordinator,
        booked_by=coordinator.user,
    )
    now = timezone.now()
    invite_client(  # one open invitation, so that the list has a row with its buttons
        caseworker=coordinator,
        topic=bookable,
        client=ClientDetails(name="Nour Haddad", phone="0151 23456780", sms_consent=True),
        modes=["telephone"],
        window=(now, now + timedelta(days=7)),
        deadline=now + timedelta(days=3),
        channels=["sms", "letter"],
        invited_by=coordinator.user,
    )
    session = schedule_group_session(
        topic=TopicFactory(office=bookable.office, group=True, modes=["in_person"]),
        start=first.start + timedelta(days=1),
        hosts=[coordinator],
        capacity=2,
    )
    book_place(
        session=session,
        client=ClientDetails(name="Nour Haddad", phone="0151 23456781"),
        booked_by=coordinator.user,
    )
    coordinator.group_session = session
    return coordinator, booking.appointment


def test_every_staff_page_passes_axe(browser, live_server, coordinator_and_appointment, screenshots):
    coordinator, appointment = coordinator_and_appointment
    name, value = session_cookie(coordinator.user).split("=", 1)
    context = browser.new_context(viewport=WIDE, locale="de-DE")
    context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    page = context.new_page()
    axe = Axe()
    reports = {}
    for label, path in PAGES.items():
        response = page.goto(
            live_server.url
            + path.format(
                id=appointment.pk, client=appointment.client_id, session=coordinator.group_session.pk
            )
        )
        assert response.status == STATUS.get(label, 200), label
        page.screenshot(path=str(screenshots / f"staff-{label}.png"), full_page=True)
        results = axe.run(page)
        if results.violations_count:
            reports[label] = results.generate_report()
    assert reports == {}
