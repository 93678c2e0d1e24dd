"""The caseworker's day: staff only, only what they may see, outcomes by POST/redirect/GET, no numbers."""

import re
from datetime import date, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment, Notification
from tests.factories import (
    CaseworkerFactory,
    ExtraHoursFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
)
from tests.scenario import ENGLISH, MONDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def colleague_of(topic, **fields):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], **fields)
    ExtraHoursFactory(caseworker=worker, date=date(2026, 11, 30), start_time=time(9), end_time=time(12))
    return worker


def test_login_is_required(client):
    response = client.get("/fachkraft/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


@pytest.mark.parametrize("who", ["interpreter", "client"])
def test_interpreters_and_other_users_are_refused(client, caseworker, who):
    user = InterpreterFactory(user=UserFactory()).user if who == "interpreter" else UserFactory()
    client.force_login(user)
    assert client.get("/fachkraft/").status_code == 404
    appointment = book(caseworker.topics.get(), MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    refused = client.post(f"/fachkraft/termin/{appointment.pk}/ergebnis/", {"outcome": "completed"})
    assert refused.status_code == 404  # an appointment they may not touch does not exist for them


def test_caseworker_sees_only_their_own_day(client, topic, caseworker):
    mine = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True, interpreter_language="ar").appointment
    theirs = book(
        topic,
        MONDAY_9,
        caseworker=colleague_of(topic),
        by_staff=True,
        name="Bernd Becker",
        phone="0151 23450002",
    ).appointment
    client.force_login(caseworker.user)

    page = client.get("/fachkraft/", headers=ENGLISH)

    assert page.status_code == 200
    assert f'data-reference="{mine.reference}"' in page.text
    assert "Aylin D." in page.text
    assert "09:00–09:30" in page.text  # 08:00 UTC is 09:00 in Berlin
    assert "Fragen zum Bürgergeld" in page.text
    assert "requested" in page.text  # the interpreter request is open
    assert "/video/raum/" in page.text
    assert f"/fachkraft/termin/{mine.pk}/ergebnis/" in page.text
    assert theirs.reference not in page.text
    assert "Bernd" not in page.text
    assert "?tag=2026-11-29" in page.text
    assert "?tag=2026-12-01" in page.text
    assert 'src="/static/frontend/staff.js"' in page.text


def test_no_phone_number_or_surname_on_the_page(client, topic, caseworker):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    Notification.objects.filter(appointment=appointment, kind="confirmation").update(status="failed")
    client.force_login(caseworker.user)

    page = client.get("/fachkraft/")

    assert appointment.reference in page.text
    for secret in ("Demir", "+4915123456789", "23456789", "0151"):
        assert secret not in page.text


def test_another_day_by_tag(client, topic, caseworker):
    tuesday = book(topic, MONDAY_9 + timedelta(days=1), caseworker=caseworker, by_staff=True).appointment
    client.force_login(caseworker.user)

    assert tuesday.reference not in client.get("/fachkraft/").text
    page = client.get("/fachkraft/?tag=2026-12-01")
    assert tuesday.reference in page.text
    assert "?tag=2026-11-30" in page.text
    assert client.get("/fachkraft/?tag=nonsense").status_code == 400


def test_coordinator_sees_a_colleague_of_the_same_office_only(client, topic, caseworker):
    colleague = colleague_of(topic)
    theirs = book(
        topic, MONDAY_9, caseworker=colleague, by_staff=True, name="Bernd Becker", phone="0151 23450002"
    ).appointment
    elsewhere = CaseworkerFactory(office=OfficeFactory())
    caseworker.is_coordinator = True
    caseworker.save(update_fields=["is_coordinator"])
    client.force_login(caseworker.user)

    page = client.get(f"/fachkraft/?fachkraft={colleague.pk}")
    assert page.status_code == 200
    assert theirs.reference in page.text
    assert "Bernd B." in page.text
    assert f"fachkraft={colleague.pk}" in page.text  # the day links stay on the colleague
    assert client.get(f"/fachkraft/?fachkraft={elsewhere.pk}").status_code == 404


def test_caseworker_may_not_look_at_a_colleague(client, topic, caseworker):
    colleague = colleague_of(topic)
    client.force_login(caseworker.user)
    assert client.get(f"/fachkraft/?fachkraft={colleague.pk}").status_code == 404


def test_failed_sms_box(client, topic, caseworker):
    failed = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    fine = book(
        topic,
        MONDAY_9 + timedelta(hours=1),
        caseworker=caseworker,
        by_staff=True,
        name="Can Yilmaz",
        phone="0151 23450002",
    ).appointment
    Notification.objects.filter(appointment=failed, kind="confirmation", channel="sms").update(
        status="sent", delivery_status="undelivered"
    )
    client.force_login(caseworker.user)

    page = client.get("/fachkraft/", headers=ENGLISH)

    box = page.text.split('id="to-call"')[1].split("</section>")[0]
    assert "Please phone these clients" in page.text
    assert failed.reference in box
    assert "Aylin D." in box
    assert fine.reference not in box


def test_no_box_when_every_sms_arrived(client, topic, caseworker):
    book(topic, MONDAY_9, caseworker=caseworker, by_staff=True)
    client.force_login(caseworker.user)
    assert 'id="to-call"' not in client.get("/fachkraft/").text


def test_outcome_before_the_start_is_refused_with_a_message(client, topic, caseworker):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    client.force_login(caseworker.user)

    response = client.post(
        f"/fachkraft/termin/{appointment.pk}/ergebnis/", {"outcome": "completed", "note": "x"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/fachkraft/?tag=2026-11-30"
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"


def test_outcome_after_the_start_changes_the_status(client, topic, caseworker, time_machine):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    time_machine.move_to(MONDAY_9 + timedelta(minutes=40), tick=False)
    client.force_login(caseworker.user)

    response = client.post(
        f"/fachkraft/termin/{appointment.pk}/ergebnis/",
        {"outcome": "no_show", "note": "Not reached"},
        follow=True,
    )

    assert response.redirect_chain == [("/fachkraft/?tag=2026-11-30", 302)]
    appointment.refresh_from_db()
    assert appointment.status == "no_show"
    assert appointment.outcome_note == "Not reached"
    assert "Not reached" in response.text
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_outcome_must_be_done_or_no_show(client, topic, caseworker, time_machine):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    time_machine.move_to(MONDAY_9 + timedelta(minutes=40), tick=False)
    client.force_login(caseworker.user)
    response = client.post(f"/fachkraft/termin/{appointment.pk}/ergebnis/", {"outcome": "cancelled"})
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"


def test_outcome_of_a_colleagues_appointment_is_404_and_get_is_405(client, topic, caseworker, time_machine):
    theirs = book(
        topic,
        MONDAY_9,
        caseworker=colleague_of(topic),
        by_staff=True,
        name="Bernd Becker",
        phone="0151 23450002",
    ).appointment
    time_machine.move_to(MONDAY_9 + timedelta(minutes=40), tick=False)
    client.force_login(caseworker.user)
    url = f"/fachkraft/termin/{theirs.pk}/ergebnis/"
    assert client.post(url, {"outcome": "completed"}).status_code == 404
    assert client.get(url).status_code == 405
    assert Appointment.objects.get(pk=theirs.pk).status == "booked"


def test_coordinator_records_a_colleagues_outcome_and_returns_to_their_day(
    client, topic, caseworker, time_machine
):
    colleague = colleague_of(topic)
    theirs = book(
        topic, MONDAY_9, caseworker=colleague, by_staff=True, name="Bernd Becker", phone="0151 23450002"
    ).appointment
    caseworker.is_coordinator = True
    caseworker.save(update_fields=["is_coordinator"])
    time_machine.move_to(MONDAY_9 + timedelta(minutes=40), tick=False)
    client.force_login(caseworker.user)

    response = client.post(f"/fachkraft/termin/{theirs.pk}/ergebnis/", {"outcome": "completed"})

    assert response["Location"] == f"/fachkraft/?tag=2026-11-30&fachkraft={colleague.pk}"
    assert Appointment.objects.get(pk=theirs.pk).status == "completed"


def test_waiting_client_is_highlighted_without_javascript(client, topic, caseworker):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    Appointment.objects.filter(pk=appointment.pk).update(call_status="waiting")
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/")
    assert f'data-reference="{appointment.reference}" class="waiting"' in page.text
    assert '<meta http-equiv="refresh"' in page.text


def test_superuser_without_a_profile_names_the_caseworker(client, caseworker):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    assert client.get("/fachkraft/").status_code == 404
    assert client.get(f"/fachkraft/?fachkraft={caseworker.pk}").status_code == 200


def test_other_office_topic_is_not_on_my_day(client, caseworker):
    other_topic = TopicFactory(office=OfficeFactory(), name="Elsewhere")
    stranger = CaseworkerFactory(office=other_topic.office, topics=[other_topic])
    ExtraHoursFactory(caseworker=stranger, date=date(2026, 11, 30), start_time=time(9), end_time=time(12))
    book(other_topic, MONDAY_9, caseworker=stranger, by_staff=True)
    client.force_login(caseworker.user)
    assert "Elsewhere" not in client.get("/fachkraft/").text


def test_live_updates_come_from_an_external_script(client, topic, caseworker):
    book(topic, MONDAY_9, caseworker=caseworker, by_staff=True)
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/").text
    assert "<script>" not in page  # no inline JavaScript
    with open(finders.find("frontend/staff.js"), encoding="utf-8") as script:
        source = script.read()
    assert "/ws/staff/" in source
    assert "AudioContext" in source
    assert "waiting" in source


@pytest.mark.parametrize("count", [1, 20])
def test_the_page_needs_the_same_queries_for_1_and_20_appointments(client, topic, caseworker, count):
    ExtraHoursFactory(caseworker=caseworker, date=date(2026, 12, 1), start_time=time(12), end_time=time(20))
    first = MONDAY_9 + timedelta(days=1)
    for n in range(count):
        book(
            topic,
            first + timedelta(minutes=30 * n),
            caseworker=caseworker,
            by_staff=True,
            phone=f"0151 2345{n:04d}",
        )
    client.force_login(caseworker.user)
    client.get("/fachkraft/?tag=2026-12-01")  # the first view gives each video appointment its room

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/fachkraft/?tag=2026-12-01")

    assert page.text.count("data-reference=") == count
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    # session, user, TOTP devices, caseworker, office, own calendar, clients to phone, invitations
    # to follow up, the day, the idle-timeout refresh
    assert len(statements) == 10


def test_own_day_shows_my_calendar_feed_which_lists_my_appointments(client, caseworker):
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/")
    feed = re.search(r'value="http://testserver(/calendar/[^"]+\.ics)"', page.text)
    assert feed, page.text
    response = client.get(feed.group(1))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"


def test_day_is_a_workspace_page_with_the_nav_and_one_logout(client, topic, caseworker):
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/", headers=ENGLISH).text
    assert 'class="staff-nav"' in page
    assert 'aria-current="page">Day<' in page
    assert page.count("Log out") == 1
    assert 'href="/fachkraft/woche/?woche=2026-11-30"' in page
    assert 'class="visually-hidden" id="live" aria-live="polite"' in page


def test_rows_are_readable_and_link_to_the_appointment(client, topic, caseworker):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/", headers=ENGLISH).text
    assert '<th scope="row"><strong><bdi dir="ltr" class="ltr">09:00–09:30</bdi></strong></th>' in page
    assert page.count('<th scope="col">') == 6
    detail = reverse("staff:appointment", args=[appointment.pk])
    assert (
        f'<a href="{detail}">Details<span class="visually-hidden"> Aylin D., '
        '<bdi dir="ltr" class="ltr">09:00</bdi></span></a>' in page
    )


def test_waiting_video_client_gets_a_one_click_admit(client, topic, caseworker):
    waiting = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    later = book(
        topic,
        MONDAY_9 + timedelta(hours=1),
        caseworker=caseworker,
        by_staff=True,
        name="Can Yilmaz",
        phone="0151 23450002",
    ).appointment
    Appointment.objects.filter(pk=waiting.pk).update(call_status="waiting")
    client.force_login(caseworker.user)

    page = client.get("/fachkraft/", headers=ENGLISH).text

    waiting.refresh_from_db()
    later.refresh_from_db()
    assert f'href="/video/raum/{waiting.call_room}/?admit=1">Admit' in page
    assert f'href="/video/raum/{later.call_room}/">Open the video call' in page
    assert f"/video/raum/{later.call_room}/?admit=1" not in page


def test_telephone_appointment_today_gets_a_call_form(client, topic, caseworker, settings):
    settings.VOICE_BACKEND = "appointments.providers.voice.InMemoryBackend"
    by_phone = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True, mode="telephone").appointment
    tomorrow = book(
        topic,
        MONDAY_9 + timedelta(days=1),
        caseworker=caseworker,
        by_staff=True,
        name="Can Yilmaz",
        phone="0151 23450002",
    ).appointment
    tomorrow_by_phone = book(
        topic,
        MONDAY_9 + timedelta(days=1, hours=1),
        caseworker=caseworker,
        by_staff=True,
        name="Dora Ek",
        phone="0151 23450003",
        mode="telephone",
    ).appointment
    client.force_login(caseworker.user)

    page = client.get("/fachkraft/", headers=ENGLISH).text
    by_phone.refresh_from_db()
    action = f"/video/raum/{by_phone.call_room}/anrufen/"
    assert f'action="{action}" class="phone-call" data-phone-call' in page
    assert f'<label for="phone-{by_phone.pk}">Your telephone number</label>' in page
    assert page.count("data-phone-call") == 1
    tomorrow_page = client.get("/fachkraft/?tag=2026-12-01").text
    assert "data-phone-call" not in tomorrow_page  # nobody rings a client days ahead
    assert tomorrow.reference in tomorrow_page
    assert tomorrow_by_phone.reference in tomorrow_page

    response = client.post(action, {"phone": "0611 7654321"})

    assert response.status_code == 201
    assert response.json() == {"legs": ["caseworker", "client"]}
    by_phone.refresh_from_db()
    assert by_phone.call_status == "ringing"


def test_video_client_asking_for_the_phone_gets_a_call_form(client, topic, caseworker):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    Appointment.objects.filter(pk=appointment.pk).update(call_status="phone_requested")
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/").text
    assert "data-phone-call" in page
    assert "/video/raum/" in page


def test_day_fragment_is_the_rows_with_the_box_to_phone(client, topic, caseworker):
    appointment = book(topic, MONDAY_9, caseworker=caseworker, by_staff=True).appointment
    Notification.objects.filter(appointment=appointment, kind="confirmation").update(status="failed")
    client.force_login(caseworker.user)

    fragment = client.get("/fachkraft/?tag=2026-11-30&fragment=rows").text

    assert fragment.lstrip().startswith('<div id="rows" data-first="2026-11-30" data-last="2026-11-30">')
    assert 'id="to-call"' in fragment
    assert f'data-reference="{appointment.reference}"' in fragment
    assert "<html" not in fragment
    assert "staff-nav" not in fragment
    assert "calendar" not in fragment
