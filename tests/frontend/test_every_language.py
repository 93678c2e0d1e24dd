"""A client books, manages and cancels in every language the picker offers, Leichte Sprache
included: each page in that language, each message from that language's texts."""

import re

import pytest
from django.conf import settings

from appointments.models import Appointment, Notification
from appointments.services.texts import render
from tests.frontend.conftest import FIRST_SLOT, PHONE
from tests.frontend.test_booking_flow import sms_code

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_booking_managing_and_cancelling_in_the_language(
    client, now, caseworker, topic, sms_outbox, django_capture_on_commit_callbacks, language
):
    assert client.post("/i18n/setlang/", {"language": language, "next": "/"}).status_code == 302
    assert html_lang(client.get("/")) == language
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    client.post("/termin/sprache/", {"language": "de"})
    assert client.post("/termin/zeit/", {"start": FIRST_SLOT}).url == "/termin/angaben/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    code = sms_code(sms_outbox)
    assert sms_outbox[-1].body == render(language, "sms", "verification_code", code=code)
    assert client.post("/termin/code/", {"code": code}).url == "/termin/fertig/"

    done = client.get("/termin/fertig/")
    assert html_lang(done) == language
    appointment = Appointment.objects.get()
    assert appointment.reference in done.text
    confirmation = Notification.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert confirmation.language == language
    manage = re.search(r'href="(/b/[^"]+/)"', done.text).group(1)
    assert html_lang(client.get(manage)) == language
    assert client.post(manage + "absagen/").url == manage
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
