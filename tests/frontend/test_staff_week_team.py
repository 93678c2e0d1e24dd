"""The caseworker's week and the coordinator's team day: who sees whose rows, constant queries, fragments."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, CalendarLink
from appointments.services.own_calendars import replace_busy_times
from tests.factories import (
    CaseworkerFactory,
    ExtraHoursFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
)
from tests.frontend.test_staff_day import colleague_of
from tests.scenario import ENGLISH, MONDAY_9, THURSDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def make_coordinator(caseworker):
    caseworker.is_coordinator = True
    caseworker.save(update_fields=["is_coordinator"])
    return caseworker


def busy_in_own_calendar(caseworker, start, end) -> None:
    """The caseworker's own calendar has since marked this span busy (as a read would write it)."""
    link = CalendarLink.objects.create(caseworker=caseworker, url="https://outlook.example/k.ics")
    replace_busy_times(link, [(start, end, False)])


def statements(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


# The week.


def test_week_login_is_required(client):
    response = client.get("/fachkraft/woche/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_interpreter_may_not_open_the_week(client):
    client.force_login(InterpreterFactory(user=UserFactory()).user)
    assert client.get("/fachkraft/woche/").status_code == 404


def test_caseworker_sees_own_week_monday_to_sunday(client, topic, caseworker):
    monday = book(
        topic, MONDAY_9, caseworker=caseworker, by_staff=True, interpreter_language="ar"
    ).appointment
    thursday = book(
        topic,
        THURSDAY_9,
        caseworker=caseworker,
        by_staff=True,
        name="Can Yilmaz",
        phone="0151 23450002",
        mode="telephone",
    ).appointment
    next_monday = book(
        topic,
        MONDAY_9 + timedelta(days=7),
        caseworker=caseworker,
        by_staff=True,
        name="Dora Ek",
        phone="0151 23450003",
    ).appointment
    theirs = book(
        topic,
        MONDAY_9,
        caseworker=colleague_of(topic),
        by_staff=True,
        name="Bernd Becker",
        phone="0151 23450004",
    ).appointment
    client.force_login(caseworker.user)

    page = client.get("/fachkraft/woche/?woche=2026-12-03", headers=ENGLISH)  # a Thursday: its week

    assert page.status_code == 200
    assert page.text.index(monday.reference) < page.text.index(thursday.reference)
    assert next_monday.reference not in page.text
    assert theirs.reference not in page.text
    assert "Bernd" not in page.text
    assert "Aylin D." in page.text
    assert "Can Y." in page.text
    assert "09:00–09:30" in page.text
    assert "requested" in page.text  # the Arabic interpreter request is open
    assert "Telephone" in page.text
    assert "Video" in page.text
    for day in ("Monday, 30. November", "Sunday, 6. December"):
        assert day in page.text
    assert page.text.count('scope="rowgroup"') == 7
    assert "?woche=2026-11-23" in page.text  # previous week
    assert "?woche=2026-12-07" in page.text  # next week
    assert "/fachkraft/?tag=2026-12-03" in page.text  # each day links to its day page
    assert 'aria-current="page">Week<' in page.text
    assert 'id="live" aria-live="polite"' in page.text
    assert "Demir" not in page.text
    assert "0151" not in page.text
    assert "/ergebnis/" not in page.text  # outcomes are recorded on the day page


def test_week_without_a_date_is_this_week_and_rubbish_is_a_400(client, topic, caseworker):
    monday = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    client.force_login(caseworker.user)
    assert monday.reference in client.get("/fachkraft/woche/").text
    assert client.get("/fachkraft/woche/?woche=nonsense").status_code == 400
    assert monday.reference not in client.get("/fachkraft/woche/?woche=2026-12-07").text


def test_cancelled_appointments_are_left_out_of_the_week(client, topic, caseworker):
    cancelled = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    Appointment.objects.filter(pk=cancelled.pk).update(status=Appointment.Status.CANCELLED)
    client.force_login(caseworker.user)
    assert cancelled.reference not in client.get("/fachkraft/woche/").text


def test_caseworker_may_not_see_a_colleagues_week(client, topic, caseworker):
    colleague = colleague_of(topic)
    client.force_login(caseworker.user)
    assert client.get(f"/fachkraft/woche/?fachkraft={colleague.pk}").status_code == 404
    assert client.get("/fachkraft/woche/?fachkraft=x").status_code == 404


def test_coordinator_sees_a_colleagues_week_of_the_same_office_only(client, topic, caseworker):
    colleague = colleague_of(topic)
    theirs = book(
        topic, MONDAY_9, caseworker=colleague, by_staff=True, name="Bernd Becker", phone="0151 23450002"
    ).appointment
    elsewhere = CaseworkerFactory(office=OfficeFactory())
    client.force_login(make_coordinator(caseworker).user)

    page = client.get(f"/fachkraft/woche/?fachkraft={colleague.pk}")

    assert page.status_code == 200
    assert theirs.reference in page.text
    assert f"fachkraft={colleague.pk}" in page.text  # the week links stay on the colleague
    assert client.get(f"/fachkraft/woche/?fachkraft={elsewhere.pk}").status_code == 404


@pytest.mark.parametrize("count", [1, 20])
def test_the_week_needs_the_same_queries_for_1_and_20_appointments(client, topic, caseworker, count):
    for n in range(count):
        start = MONDAY_9 + timedelta(days=n // 5, minutes=30 * (n % 5))
        book(
            topic,
            start,
            caseworker=caseworker,
            by_staff=True,
            phone=f"0151 2345{n:04d}",
            mode="video" if n % 2 else "telephone",
        )
    busy_in_own_calendar(caseworker, MONDAY_9, MONDAY_9 + timedelta(days=5))
    client.force_login(caseworker.user)
    client.get("/fachkraft/woche/")  # the first view gives each video appointment its room

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/fachkraft/woche/")

    assert page.text.count("data-reference=") == count
    assert page.text.count("data-calendar-conflict") == count
    # session, user, TOTP devices, caseworker, office, the week, its calendar conflicts, and the
    # session's idle-timeout refresh
    assert len(statements(queries)) == 8


def test_week_fragment_is_only_the_rows(client, topic, caseworker):
    monday = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    client.force_login(caseworker.user)

    fragment = client.get("/fachkraft/woche/?fragment=rows").text

    assert fragment.lstrip().startswith('<div id="rows" data-first="2026-11-30" data-last="2026-12-06">')
    assert monday.reference in fragment
    assert "<html" not in fragment
    assert "staff-nav" not in fragment


# The team.


def test_team_login_is_required(client):
    response = client.get("/fachkraft/team/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_team_is_404_for_a_plain_caseworker_and_other_users(client, caseworker):
    client.force_login(caseworker.user)
    assert client.get("/fachkraft/team/").status_code == 404
    client.force_login(InterpreterFactory(user=UserFactory()).user)
    assert client.get("/fachkraft/team/").status_code == 404
    assert 'href="/fachkraft/team/"' not in client.get("/fachkraft/").text  # nor in the caseworker's nav


def test_team_shows_every_caseworker_of_the_office_with_their_rows(client, topic, caseworker):
    coordinator = make_coordinator(caseworker)
    mine = book(topic, MONDAY_9, caseworker=coordinator, by_staff=True).appointment
    colleague = colleague_of(topic, display_name="Zora Colleague")
    theirs = book(
        topic, MONDAY_9, caseworker=colleague, by_staff=True, name="Bernd Becker", phone="0151 23450002"
    ).appointment
    idle = CaseworkerFactory(office=topic.office, display_name="Adam Idle")
    gone = CaseworkerFactory(office=topic.office, display_name="Gone Colleague", active=False)
    stranger_topic = TopicFactory(office=OfficeFactory(), name="Elsewhere")
    stranger = CaseworkerFactory(
        office=stranger_topic.office, topics=[stranger_topic], display_name="Far Away"
    )
    ExtraHoursFactory(caseworker=stranger, date=date(2026, 11, 30), start_time=time(9), end_time=time(12))
    foreign = book(
        stranger_topic,
        MONDAY_9,
        caseworker=stranger,
        by_staff=True,
        name="Fritz Fremd",
        phone="0151 23450003",
    ).appointment
    client.force_login(coordinator.user)

    page = client.get("/fachkraft/team/", headers=ENGLISH)

    assert page.status_code == 200
    assert 'aria-current="page">Team<' in page.text
    groups = {
        int(group.split('"', 2)[1]): group.split("</tbody>")[0]
        for group in page.text.split("<tbody data-caseworker=")[1:]
    }
    assert list(groups) == [idle.pk, coordinator.pk, colleague.pk]  # by name
    assert coordinator.display_name in groups[coordinator.pk]
    assert mine.reference in groups[coordinator.pk]
    assert theirs.reference in groups[colleague.pk]
    assert "Bernd B." in groups[colleague.pk]
    assert "Zora Colleague" in groups[colleague.pk]
    assert "No appointments." in groups[idle.pk]
    assert f"/fachkraft/?tag=2026-11-30&amp;fachkraft={colleague.pk}" in page.text
    assert f"fachkraft={idle.pk}" in page.text
    for hidden in (gone.display_name, "Far Away", foreign.reference, "Fritz", "Elsewhere", "Becker"):
        assert hidden not in page.text


def test_team_of_another_day(client, topic, caseworker):
    coordinator = make_coordinator(caseworker)
    tuesday = book(topic, MONDAY_9 + timedelta(days=1), caseworker=coordinator, by_staff=True).appointment
    client.force_login(coordinator.user)
    assert tuesday.reference not in client.get("/fachkraft/team/").text
    page = client.get("/fachkraft/team/?tag=2026-12-01")
    assert tuesday.reference in page.text
    assert "?tag=2026-11-30" in page.text
    assert "?tag=2026-12-02" in page.text
    assert client.get("/fachkraft/team/?tag=nonsense").status_code == 400


@pytest.mark.parametrize("count", [1, 20])
def test_the_team_needs_the_same_queries_for_1_and_20_appointments(client, topic, caseworker, count):
    coordinator = make_coordinator(caseworker)
    ExtraHoursFactory(caseworker=coordinator, date=date(2026, 11, 30), start_time=time(12), end_time=time(20))
    colleague = colleague_of(topic)
    ExtraHoursFactory(caseworker=colleague, date=date(2026, 11, 30), start_time=time(12), end_time=time(20))
    for n in range(count):
        who = colleague if n % 2 else coordinator
        start = MONDAY_9 + timedelta(minutes=30 * (n // 2))
        book(
            topic,
            start,
            caseworker=who,
            by_staff=True,
            phone=f"0151 2345{n:04d}",
            mode="video" if n % 3 else "telephone",
        )
    busy_in_own_calendar(colleague, MONDAY_9, MONDAY_9 + timedelta(days=1))
    client.force_login(coordinator.user)
    client.get("/fachkraft/team/")  # the first view gives each video and telephone appointment its room

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/fachkraft/team/")

    assert page.text.count("data-reference=") == count
    assert page.text.count("data-calendar-conflict") == count // 2  # the colleague's only
    # session, user, TOTP devices, caseworker, office, the office's caseworkers, their day, its calendar
    # conflicts, session refresh
    assert len(statements(queries)) == 9


def test_team_fragment_is_only_the_rows(client, topic, caseworker):
    coordinator = make_coordinator(caseworker)
    mine = book(topic, MONDAY_9, caseworker=coordinator, by_staff=True).appointment
    client.force_login(coordinator.user)
    fragment = client.get("/fachkraft/team/?fragment=rows").text
    assert fragment.lstrip().startswith('<div id="rows"')
    assert mine.reference in fragment
    assert "<html" not in fragment
    assert client.get("/fachkraft/team/?fragment=rows", follow=False).status_code == 200
