"""In Arabic every client page keeps each phone number, booking code, link, time and e-mail address
in a left-to-right isolate (frontend/templatetags/bidi.py), so none of them is reordered or split."""

import pytest
from django.test import Client

from appointments.models import Appointment
from tests.factories import InterpreterFactory, UserFactory
from tests.frontend import test_invitation_pages
from tests.frontend.conftest import FIRST_SLOT, PHONE
from tests.frontend.test_booking_flow import sms_code
from tests.isolates import unisolated
from tests.scenario import THURSDAY_9, book

pytestmark = pytest.mark.django_db
invited = test_invitation_pages.invited
window_invited = test_invitation_pages.window_invited


@pytest.fixture
def arabic():
    return Client(headers={"accept-language": "ar"})


def page(client, url, *codes):
    answer = client.get(url)
    assert answer.status_code == 200, url
    assert '<html lang="ar" dir="rtl"' in answer.text
    return unisolated(answer.text, *codes)


def test_the_checker_finds_what_is_not_isolated():
    html = '<p>رقم +49 151 23456789 <bdi dir="ltr" class="ltr">+90 532 123 45 67</bdi> 09:00 ABCD1234</p>'
    assert unisolated(html, "ABCD1234") == ["+49 151 23456789", "09:00", "ABCD1234"]
    assert unisolated('<p><span dir="ltr">https://example.org/m/x</span></p>') == ["https://example.org/m/x"]


def test_every_step_of_booking_and_managing_in_arabic(
    arabic, now, caseworker, topic, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.ACCESSIBILITY_FEEDBACK_EMAIL = "barrierefrei@jobcenter.example"
    assert page(arabic, "/") == []
    arabic.post("/", {"topic": topic.slug})
    assert page(arabic, "/termin/art/") == []
    arabic.post("/termin/art/", {"mode": "telephone"})
    assert page(arabic, "/termin/sprache/") == []
    arabic.post("/termin/sprache/", {"language": "ar"})
    assert page(arabic, "/termin/zeit/") == []
    arabic.post("/termin/zeit/", {"start": FIRST_SLOT})
    assert page(arabic, "/termin/angaben/") == []
    with django_capture_on_commit_callbacks(execute=True):
        arabic.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    assert page(arabic, "/termin/code/") == []
    arabic.post("/termin/code/", {"action": "confirm", "code": sms_code(sms_outbox)})
    reference = Appointment.objects.get().reference
    done = arabic.get("/termin/fertig/").text
    assert reference in done
    assert unisolated(done, reference) == []
    manage = next(word for word in done.split('"') if word.startswith(f"/b/{reference}/"))
    assert page(arabic, manage, reference) == []
    assert page(arabic, manage + "zeit/", reference) == []
    assert page(arabic, manage + "absagen/", reference) == []
    assert page(arabic, "/m/") == []
    assert page(arabic, "/barrierefreiheit/") == []


def test_the_invitation_pages_in_arabic(arabic, invited, window_invited):
    assert page(arabic, f"/e/{invited.token}/") == []
    assert page(arabic, f"/e/{invited.token}/zeit/") == []
    assert page(arabic, f"/e/{invited.token}/absagen/") == []
    assert page(arabic, f"/e/{window_invited.token}/") == []
    assert page(arabic, "/e/") == []


def test_the_interpreter_page_in_arabic(arabic, now, caseworker, topic):
    appointment = book(topic, THURSDAY_9, interpreter_language="ar", by_staff=True).appointment
    person = InterpreterFactory(user=UserFactory(), languages=["ar"])
    arabic.force_login(person.user)
    assert page(arabic, "/dolmetschen/") == []
    arabic.post(f"/dolmetschen/{appointment.interpreter_request.pk}/annehmen/")
    assert page(arabic, "/dolmetschen/", appointment.reference) == []


def test_the_staff_appointment_and_day_in_arabic(arabic, now, caseworker, topic):
    appointment = book(topic, THURSDAY_9, mode="telephone", by_staff=True).appointment
    arabic.force_login(caseworker.user)
    for url in (f"/fachkraft/termin/{appointment.pk}/", "/fachkraft/?tag=2026-12-03", "/fachkraft/woche/"):
        assert page(arabic, url, appointment.reference) == [], url
