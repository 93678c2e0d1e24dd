"""German Sign Language (DGS) is interpreted only in video consultations, wherever the mode is set."""

from datetime import timedelta

import pytest

from appointments.exceptions import ApplicationError
from appointments.models import Language
from appointments.services.booking import reschedule_appointment
from appointments.services.interpreter_requests import ask_for_interpreter
from tests.scenario import THURSDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]
SIGN_ONLY_ON_VIDEO = "nur in einer Videoberatung möglich"


def test_the_migration_brings_german_sign_language_as_a_sign_language():
    assert Language.objects.get(code="dgs").sign_language


def test_a_video_consultation_can_have_a_sign_language_interpreter(topic):
    appointment = book(topic, THURSDAY_9, mode="video", interpreter_language="dgs").appointment
    assert appointment.interpreter_language == "dgs"


def test_a_telephone_consultation_cannot(topic):
    with pytest.raises(ApplicationError, match=SIGN_ONLY_ON_VIDEO) as caught:
        book(topic, THURSDAY_9, mode="telephone", interpreter_language="dgs")
    assert caught.value.field == "interpreter_language"


def test_a_spoken_language_interpreter_may_come_on_the_telephone(topic):
    assert book(topic, THURSDAY_9, mode="telephone", interpreter_language="ar").appointment.pk


def test_moving_a_sign_language_appointment_to_the_telephone_is_refused(topic):
    appointment = book(topic, THURSDAY_9, mode="video", interpreter_language="dgs").appointment
    with pytest.raises(ApplicationError, match=SIGN_ONLY_ON_VIDEO):
        reschedule_appointment(
            appointment=appointment, start=THURSDAY_9 + timedelta(hours=1), mode="telephone"
        )


def test_staff_cannot_ask_for_sign_language_on_a_telephone_appointment(topic):
    appointment = book(topic, THURSDAY_9, mode="telephone").appointment
    with pytest.raises(ApplicationError, match=SIGN_ONLY_ON_VIDEO):
        ask_for_interpreter(appointment=appointment, language="dgs")
