"""The booking steps with Django's test client: each step, its errors, tampering and a taken time."""

import re
from datetime import datetime

import pytest

from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import TopicFactory, UserFactory
from tests.frontend.conftest import FIRST_SLOT, PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_time_step(client, now, caseworker, topic):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    client.post("/termin/sprache/", {"language": "de"})
    return client


@pytest.fixture
def at_code_step(at_time_step, sms_outbox, django_capture_on_commit_callbacks):
    at_time_step.post("/termin/zeit/", {"start": FIRST_SLOT})
    with django_capture_on_commit_callbacks(execute=True):
        answer = at_time_step.post(
            "/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"}
        )
    assert answer.url == "/termin/code/"
    return at_time_step


def sms_code(outbox) -> str:
    return re.search(r"\b\d{6}\b", outbox[-1].body).group()


def test_each_step_leads_to_the_next(client, now, caseworker, topic):
    assert client.post("/", {"topic": topic.slug}).url == "/termin/art/"
    assert "Wir rufen Sie an." in client.get("/termin/art/").text
    assert client.post("/termin/art/", {"mode": "telephone"}).url == "/termin/sprache/"
    assert "Deutsch" in client.get("/termin/sprache/").text
    assert client.post("/termin/sprache/", {"language": "de"}).url == "/termin/zeit/"
    assert client.post("/termin/zeit/", {"start": FIRST_SLOT}).url == "/termin/angaben/"


def test_time_step_shows_days_earliest_first_with_paging_and_the_office_phone(at_time_step):
    page = at_time_step.get("/termin/zeit/").text
    days = re.findall(r'<h2 class="day">([^<]+)</h2>', page)
    assert days == ["Montag, 30. November 2026", "Dienstag, 1. Dezember 2026", "Mittwoch, 2. Dezember 2026"]
    assert page.index(f'value="{FIRST_SLOT}"') < page.index('value="2026-11-30T09:15:00+01:00"')
    assert 'href="?from=2026-12-03"' in page
    assert "0611 123 4567" in page
    later = at_time_step.get("/termin/zeit/?from=2026-12-03").text
    assert re.findall(r'<h2 class="day">([^<]+)</h2>', later)[0] == "Donnerstag, 3. Dezember 2026"


def test_mode_not_offered_for_the_topic_is_refused(client, now, caseworker, office):
    phone_only = TopicFactory(office=office, modes=["telephone"])
    caseworker.topics.add(phone_only)
    client.post("/", {"topic": phone_only.slug})
    page = client.post("/termin/art/", {"mode": "video"})
    assert page.status_code == 200
    assert "Bitte wählen Sie Telefon oder Video." in page.text


def test_interpreter_for_german_is_refused_next_to_the_field(at_time_step):
    page = at_time_step.post("/termin/sprache/", {"language": "de", "interpreter": "on"})
    assert 'id="interpreter-error"' in page.text


def test_details_keep_what_was_typed_and_show_errors_by_the_fields(at_time_step):
    at_time_step.post("/termin/zeit/", {"start": FIRST_SLOT})
    page = at_time_step.post("/termin/angaben/", {"name": "Aylin Demir", "phone": "12", "email": "nope"}).text
    assert 'value="Aylin Demir"' in page
    assert "Bitte geben Sie eine gültige Handynummer ein" in page
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein" in page
    assert "Wir brauchen Ihr Einverständnis" in page
    assert 'aria-invalid="true"' in page


def test_a_time_that_is_not_offered_is_refused(at_time_step):
    answer = at_time_step.post("/termin/zeit/", {"start": "2026-11-30T09:07:00+01:00"})
    assert answer.url == "/termin/zeit/"
    assert "Diese Zeit wird nicht angeboten." in at_time_step.get(answer.url).text


def test_steps_out_of_order_lead_back_to_the_first_missing_answer(client, now, caseworker, topic):
    assert client.get("/termin/zeit/").url == "/"
    client.post("/", {"topic": topic.slug})
    assert client.get("/termin/angaben/").url == "/termin/art/"
    assert client.get("/termin/code/").url == "/termin/art/"


def test_a_tampered_session_leads_back_to_the_start(at_time_step):
    session = at_time_step.session
    session["booking"] = {**session["booking"], "mode": "carrier-pigeon"}
    session.save()
    assert at_time_step.get("/termin/zeit/").url == "/termin/art/"
    session["booking"] = "junk"
    session.save()
    assert at_time_step.get("/termin/art/").url == "/"


def test_a_tampered_code_id_asks_for_the_details_again(at_code_step):
    session = at_code_step.session
    session["booking"] = {**session["booking"], "verification_id": "../../etc"}
    session.save()
    assert (
        at_code_step.post("/termin/code/", {"action": "confirm", "code": "123456"}).url == "/termin/angaben/"
    )


def test_booking_with_the_sms_code_shows_the_confirmation(at_code_step, sms_outbox):
    answer = at_code_step.post("/termin/code/", {"action": "confirm", "code": sms_code(sms_outbox)})
    assert answer.url == "/termin/fertig/"
    page = at_code_step.get(answer.url).text
    appointment = Appointment.objects.get()
    assert f'<p class="reference"><bdi dir="ltr" class="ltr">{appointment.reference}</bdi></p>' in page
    assert "Montag, 30. November 2026" in page
    assert 'um <bdi dir="ltr" class="ltr">09:00</bdi> Uhr' in page
    assert f"/api/v1/bookings/{appointment.reference}/calendar.ics?token=" in page
    assert f"/b/{appointment.reference}/" in page
    assert appointment.mode == "video"
    assert appointment.client.phone == "+4915123456789"


def test_the_confirmation_needs_a_booking_made_in_this_session(client):
    assert client.get("/termin/fertig/").url == "/"


def test_a_wrong_code_is_shown_next_to_the_field_and_nothing_is_booked(at_code_step):
    page = at_code_step.post("/termin/code/", {"action": "confirm", "code": "000000"}).text
    assert "Der Code stimmt nicht." in page
    assert not Appointment.objects.exists()
    page = at_code_step.post("/termin/code/", {"action": "confirm", "code": "12ab"}).text
    assert "Der Code hat 6 Ziffern." in page


def test_resend_inside_the_cool_down_is_refused_politely(at_code_step):
    assert 'data-wait="60"' in at_code_step.get("/termin/code/").text
    answer = at_code_step.post("/termin/code/", {"action": "resend"})
    assert "Bitte warten Sie eine Minute" in at_code_step.get(answer.url).text


def test_a_time_taken_meanwhile_sends_back_to_fresh_times(at_code_step, sms_outbox, topic):
    code = sms_code(sms_outbox)
    book_appointment(
        topic=topic,
        mode="video",
        start=datetime.fromisoformat(FIRST_SLOT),
        client=ClientDetails(name="Someone Else", phone="+4915199999999"),
        booked_by=UserFactory(),
    )
    answer = at_code_step.post("/termin/code/", {"action": "confirm", "code": code})
    assert answer.url == "/termin/zeit/"
    page = at_code_step.get(answer.url).text
    assert "Diese Zeit wurde gerade vergeben." in page
    assert f'value="{FIRST_SLOT}"' not in page
    again = at_code_step.post("/termin/zeit/", {"start": "2026-11-30T09:30:00+01:00"})
    assert again.url == "/termin/angaben/"
    done = at_code_step.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    assert done.url == "/termin/fertig/"


def test_the_sms_and_the_pages_follow_the_chosen_language(
    client, now, caseworker, topic, sms_outbox, django_capture_on_commit_callbacks
):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "telephone"})
    client.post("/termin/sprache/", {"language": "ar"})
    page = client.get("/termin/zeit/").text
    assert 'dir="rtl"' in page
    assert "الاثنين" in page
    client.post("/termin/zeit/", {"start": FIRST_SLOT})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    assert sms_outbox[-1].body.startswith("رمزك")
    client.post("/termin/code/", {"action": "confirm", "code": sms_code(sms_outbox)})
    appointment = Appointment.objects.get()
    assert appointment.client.language == "ar"
    assert appointment.language == "ar"
