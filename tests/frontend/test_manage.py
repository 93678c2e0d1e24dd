"""The manage link: view, reschedule, cancel, join from 10 minutes before, and friendly wrong links."""

import re
from datetime import datetime, timedelta

import pytest

from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.outbox.worker import run_due_messages
from tests.factories import UserFactory
from tests.frontend.conftest import FIRST_SLOT

pytestmark = pytest.mark.django_db

WRONG_CODE = "Der Code stimmt nicht oder ist abgelaufen."


@pytest.fixture
def booking(now, caseworker, topic):
    return book_appointment(
        topic=topic,
        mode="video",
        start=datetime.fromisoformat(FIRST_SLOT),
        client=ClientDetails(name="Aylin Demir", phone="+4915123456789"),
        booked_by=UserFactory(),
    )


def link(booking, tail=""):
    return f"/b/{booking.appointment.reference}/{booking.manage_token}/{tail}"


def test_manage_page_shows_the_appointment_and_its_actions(client, booking):
    page = client.get(link(booking)).text
    assert booking.appointment.reference in page
    assert "Montag, 30. November 2026" in page
    assert link(booking, "zeit/") in page
    assert link(booking, "absagen/") in page
    assert "/video/" not in page


def test_a_wrong_token_or_code_gets_a_friendly_404(client, booking):
    page = client.get(f"/b/{booking.appointment.reference}/wrong-token/")
    assert page.status_code == 404
    assert "Dieser Link funktioniert nicht" in page.text
    assert client.get(f"/b/XXXXXXXX/{booking.manage_token}/").status_code == 404
    assert client.get(f"/b/{booking.appointment.reference}/wrong/absagen/").status_code == 404


def test_the_short_link_from_the_sms_leads_to_the_manage_page(client, booking):
    assert client.get(f"/m/{booking.manage_token}").url == link(booking)
    assert client.get("/m/not-a-token").status_code == 404
    assert client.get("/m/").status_code == 200


def test_reschedule_reuses_the_time_step(client, booking):
    page = client.get(link(booking, "zeit/")).text
    assert 'value="2026-11-30T09:30:00+01:00"' in page
    answer = client.post(link(booking, "zeit/"), {"start": "2026-11-30T09:30:00+01:00"})
    assert answer.url == link(booking)
    assert "Ihr Termin hat eine neue Zeit." in client.get(answer.url).text
    appointment = Appointment.objects.get()
    assert appointment.start == datetime.fromisoformat("2026-11-30T09:30:00+01:00")
    assert appointment.version == 1


def test_reschedule_to_a_taken_time_shows_fresh_times(client, booking, topic):
    book_appointment(
        topic=topic,
        mode="video",
        start=datetime.fromisoformat("2026-11-30T10:00:00+01:00"),
        client=ClientDetails(name="Someone Else", phone="+4915199999999"),
        booked_by=UserFactory(),
    )
    answer = client.post(link(booking, "zeit/"), {"start": "2026-11-30T10:00:00+01:00"})
    assert answer.url == link(booking, "zeit/")
    page = client.get(answer.url).text
    assert "Diese Zeit wurde gerade vergeben." in page
    assert 'value="2026-11-30T10:00:00+01:00"' not in page


def test_cancel_asks_first_then_cancels(client, booking):
    page = client.get(link(booking, "absagen/")).text
    assert "Termin absagen?" in page
    assert Appointment.objects.get().status == Appointment.Status.BOOKED
    answer = client.post(link(booking, "absagen/"))
    assert answer.url == link(booking)
    page = client.get(answer.url).text
    assert "Dieser Termin ist abgesagt." in page
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
    assert client.get(link(booking, "absagen/")).url == link(booking)


def test_join_shows_from_ten_minutes_before_a_video_call(client, booking, time_machine):
    start = booking.appointment.start
    time_machine.move_to(start - timedelta(minutes=11), tick=False)
    assert "/video/" not in client.get(link(booking)).text
    time_machine.move_to(start - timedelta(minutes=10), tick=False)
    join = f'href="/video/{booking.appointment.reference}/{booking.manage_token}/"'
    assert join in client.get(link(booking)).text


def test_manage_page_in_arabic_is_right_to_left(client, booking):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    page = client.get(link(booking)).text
    assert '<html lang="ar" dir="rtl"' in page
    assert "الاثنين" in page


def test_without_the_link_booking_code_phone_and_sms_code_open_the_booking(
    client, booking, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/m/", {"reference": booking.appointment.reference.lower(), "phone": "0151 23456789"}
        )
    assert answer.url == "/m/code/"
    assert sms_outbox == []  # the worker sends it: no provider call that a stranger could time
    run_due_messages()
    code = re.search(r"\b\d{6}\b", sms_outbox[-1].body).group()
    page = client.post("/m/code/", {"code": "000000"}).text
    assert WRONG_CODE in page
    answer = client.post("/m/code/", {"code": code})
    assert answer.url == "/m/termin/"
    page = client.get(answer.url).text
    assert booking.appointment.reference in page
    assert "calendar.ics" not in page
    assert client.post("/m/termin/zeit/", {"start": "2026-11-30T09:30:00+01:00"}).url == "/m/termin/"
    assert client.post("/m/termin/absagen/").url == "/m/termin/"
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_a_code_and_phone_that_do_not_match_send_no_sms_and_look_the_same(client, booking, sms_outbox):
    answer = client.post("/m/", {"reference": booking.appointment.reference, "phone": "0160 1111111"})
    assert answer.url == "/m/code/"
    assert sms_outbox == []
    assert WRONG_CODE in client.post("/m/code/", {"code": "123456"}).text
    assert client.get("/m/termin/").url == "/m/"


def test_add_to_calendar_links_to_the_invite_of_the_api(client, booking):
    page = client.get(link(booking)).text
    ics = re.search(r'href="(/api/v1/bookings/[^"]+/calendar\.ics\?token=[^"]+)"', page).group(1)
    answer = client.get(ics)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")


# The pages read the one call window (Appointment.call_window): the join button and the texts.


def join(booking):
    return f'href="/video/{booking.appointment.reference}/{booking.manage_token}/"'


def test_join_stays_until_the_call_closes_after_the_end(client, booking, time_machine, settings):
    # The page used to hide the button at the end, while the call service keeps the room open
    # CALL_CLOSES_MINUTES_AFTER longer: the service's window decides.
    settings.CALL_CLOSES_MINUTES_AFTER = 60
    end = booking.appointment.end
    time_machine.move_to(end + timedelta(minutes=30), tick=False)
    assert join(booking) in client.get(link(booking)).text
    time_machine.move_to(end + timedelta(minutes=61), tick=False)
    assert join(booking) not in client.get(link(booking)).text


def test_join_opens_as_the_setting_says(client, booking, time_machine, settings):
    settings.CALL_OPENS_MINUTES_BEFORE = 15
    start = booking.appointment.start
    time_machine.move_to(start - timedelta(minutes=16), tick=False)
    assert join(booking) not in client.get(link(booking)).text
    time_machine.move_to(start - timedelta(minutes=15), tick=False)
    assert join(booking) in client.get(link(booking)).text


def test_the_texts_name_the_windows_minutes(client, booking, settings):
    settings.CALL_OPENS_MINUTES_BEFORE = 15
    assert "Öffnen Sie 15 Minuten vorher Ihren persönlichen Link." in client.get(link(booking)).text
    video = client.get(f"/video/{booking.appointment.reference}/{booking.manage_token}/").text
    assert "15 Minuten vor Ihrem Termin." in video  # in the page's JSON, where umlauts are escaped
