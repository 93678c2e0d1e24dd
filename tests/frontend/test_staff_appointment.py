"""One appointment for staff: who may see it, contact on request (audited), changes by POST/redirect/GET."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment, AuditEntry, InterpreterRequest, Notification
from appointments.services.audit import record_audit
from appointments.services.interpreter_offers import accept_interpreter_request
from tests.factories import CaseworkerFactory, InterpreterFactory, OfficeFactory, UserFactory
from tests.scenario import AYLIN_IN_FULL, ENGLISH, TUESDAY_9, TUESDAY_10, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.fixture
def appointment(topic, caseworker):
    return book(topic, caseworker=caseworker, client=AYLIN_IN_FULL, by_staff=True).appointment


def page_url(appointment):
    return reverse("staff:appointment", args=[appointment.pk])


def act(client, name, appointment, data=None, **extra):
    """POST one of the page's forms and follow the redirect back to the page, where the notice shows."""
    response = client.post(reverse(name, args=[appointment.pk]), data or {}, follow=True, **extra)
    assert response.redirect_chain == [(page_url(appointment), 302)]
    return response


def notices(response):
    return [html.unescape(text) for text in re.findall(r'<p class="notice [a-z]+">(.*?)</p>', response.text)]


def as_coordinator(caseworker):
    caseworker.is_coordinator = True
    caseworker.save(update_fields=["is_coordinator"])
    return caseworker


def test_the_caseworker_sees_their_appointment(client, caseworker, appointment):
    client.force_login(caseworker.user)

    page = client.get(page_url(appointment), headers=ENGLISH)

    assert page.status_code == 200
    assert appointment.reference in page.text
    assert "Aylin D." in page.text
    assert "09:00–09:30" in page.text  # 08:00 UTC in the office's zone
    assert "Fragen zum Bürgergeld" in page.text
    assert "Deutsch" in page.text
    assert "no-store" in page["Cache-Control"]
    assert reverse("staff:appointment-contact", args=[appointment.pk]) in page.text


def test_a_coordinator_of_the_office_sees_a_colleagues_appointment(client, topic, appointment):
    coordinator = as_coordinator(CaseworkerFactory(office=topic.office))
    client.force_login(coordinator.user)
    assert client.get(page_url(appointment)).status_code == 200


def test_a_superuser_sees_it(client, appointment):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(page_url(appointment)).status_code == 200


@pytest.mark.parametrize("who", ["colleague", "other_coordinator", "interpreter", "plain_user"])
def test_anyone_else_gets_not_found(client, topic, appointment, who):
    if who == "colleague":
        user = CaseworkerFactory(office=topic.office, topics=[topic]).user
    elif who == "other_coordinator":
        user = as_coordinator(CaseworkerFactory(office=OfficeFactory())).user
    elif who == "interpreter":
        user = InterpreterFactory(user=UserFactory(), languages=["ar"]).user
    else:
        user = UserFactory()
    client.force_login(user)

    assert client.get(page_url(appointment)).status_code == 404
    assert client.post(reverse("staff:appointment-contact", args=[appointment.pk])).status_code == 404
    cancelled = client.post(reverse("staff:appointment-cancel", args=[appointment.pk]), {"reason": "x"})
    assert cancelled.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED_CONTACT).exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_unknown_appointment_is_not_found(client, caseworker):
    client.force_login(caseworker.user)
    assert client.get(reverse("staff:appointment", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, appointment):
    response = client.get(page_url(appointment))
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")
    assert client.post(reverse("staff:appointment-contact", args=[appointment.pk])).status_code == 302


def test_contact_details_only_on_request_and_every_showing_is_audited(client, caseworker, appointment):
    client.force_login(caseworker.user)
    secrets = ("Demir", "+4915123456789", "aylin@example.org", "123D456789")

    page = client.get(page_url(appointment))
    for secret in secrets:
        assert secret not in page.text
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED_CONTACT).exists()

    contact_url = reverse("staff:appointment-contact", args=[appointment.pk])
    for times in (1, 2):
        shown = client.post(contact_url)
        assert shown.status_code == 200
        for secret in secrets:
            assert secret in shown.text
        entries = AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED_CONTACT)
        assert entries.count() == times
    assert {(e.actor_id, e.appointment_id, e.client_id) for e in entries} == {
        (caseworker.user.pk, appointment.pk, appointment.client_id)
    }
    assert client.get(contact_url).status_code == 405  # no showing without a POST


def test_free_times_are_offered_for_moving(client, caseworker, appointment):
    client.force_login(caseworker.user)

    page = client.get(page_url(appointment))

    assert f'value="{TUESDAY_10.isoformat()}"' in page.text
    assert 'value="2026-12-01T09:00:00+01:00"' not in page.text  # its own time
    later = client.get(page_url(appointment), {"ab": "2026-12-14"})
    assert 'value="2026-12-14T09:00:00+01:00"' in later.text
    assert f'value="{TUESDAY_10.isoformat()}"' not in later.text
    assert (
        client.get(page_url(appointment), {"ab": "nonsense"}).status_code == 400
    )  # tests/…/test_staff_dates.py


def test_moving_changes_the_time_and_tells_the_client(client, caseworker, appointment):
    client.force_login(caseworker.user)

    response = act(
        client,
        "staff:appointment-reschedule",
        appointment,
        {"start": TUESDAY_10.isoformat()},
        headers=ENGLISH,
    )

    assert notices(response) == ["The appointment has been moved. The client is informed."]
    appointment.refresh_from_db()
    assert appointment.start == TUESDAY_10
    assert Notification.objects.filter(
        appointment=appointment, kind=Notification.Kind.RESCHEDULED, audience=Notification.Audience.CLIENT
    ).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RESCHEDULED)
    assert entry.actor_id == caseworker.user.pk


def test_a_taken_time_is_refused_in_the_users_language_and_nothing_changes(
    client, topic, caseworker, appointment
):
    book(topic, TUESDAY_10, caseworker=caseworker, client=AYLIN_IN_FULL, by_staff=True, phone="0151 23450002")
    client.force_login(caseworker.user)
    before = (appointment.start, appointment.version)

    response = act(client, "staff:appointment-reschedule", appointment, {"start": TUESDAY_10.isoformat()})

    assert notices(response) == ["Diese Zeit wurde gerade vergeben. Bitte wählen Sie eine andere Zeit."]
    appointment.refresh_from_db()
    assert (appointment.start, appointment.version) == before
    assert not Notification.objects.filter(kind=Notification.Kind.RESCHEDULED).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.RESCHEDULED).exists()


@pytest.mark.parametrize("start", ["nonsense", "", "2026-12-01T10:07:00+01:00"])
def test_a_time_not_offered_is_refused(client, caseworker, appointment, start):
    client.force_login(caseworker.user)

    response = act(client, "staff:appointment-reschedule", appointment, {"start": start}, headers=ENGLISH)

    assert notices(response) == ["This time is not offered. Please choose one of the times shown."]
    appointment.refresh_from_db()
    assert appointment.version == 0


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_cancelling_needs_a_reason(client, caseworker, appointment, reason):
    client.force_login(caseworker.user)

    response = act(client, "staff:appointment-cancel", appointment, {"reason": reason}, headers=ENGLISH)

    assert notices(response) == ["Please give a reason for cancelling (at most 500 characters)."]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_cancelling_tells_the_client_in_their_language(client, topic, caseworker):
    appointment = book(
        topic, caseworker=caseworker, client=AYLIN_IN_FULL, by_staff=True, client_language="tr"
    ).appointment
    client.force_login(caseworker.user)

    response = act(client, "staff:appointment-cancel", appointment, {"reason": "Krank"}, headers=ENGLISH)

    assert notices(response) == ["The appointment has been cancelled. The client is informed."]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert (appointment.cancelled_by, appointment.cancel_reason) == ("staff", "Krank")
    message = Notification.objects.get(
        appointment=appointment,
        kind=Notification.Kind.CANCELLED,
        channel=Notification.Channel.SMS,
        audience=Notification.Audience.CLIENT,
    )
    assert message.language == "tr"
    assert AuditEntry.objects.get(action=AuditEntry.Action.CANCELLED).actor_id == caseworker.user.pk
    page = client.get(page_url(appointment))
    assert reverse("staff:appointment-cancel", args=[appointment.pk]) not in page.text
    assert reverse("staff:appointment-reschedule", args=[appointment.pk]) not in page.text
    again = act(client, "staff:appointment-cancel", appointment, {"reason": "x"})
    assert notices(again) == ["Dieser Termin kann nicht mehr geändert werden."]


def test_requesting_and_cancelling_an_interpreter_is_audited(client, caseworker, appointment):
    preferred = InterpreterFactory(languages=["ar"], email="dolmetsch@example.org")
    client.force_login(caseworker.user)
    request_url = "staff:appointment-interpreter"
    cancel_url = "staff:appointment-interpreter-cancel"

    asked = act(
        client, request_url, appointment, {"language": "ar", "preferred": preferred.pk}, headers=ENGLISH
    )

    assert notices(asked) == ["An interpreter has been requested."]
    request = InterpreterRequest.objects.get(appointment=appointment)
    assert (request.status, request.language_id, request.preferred_interpreter) == ("open", "ar", preferred)
    appointment.refresh_from_db()
    assert appointment.interpreter_language == "ar"
    twice = act(client, request_url, appointment, {"language": "ar"}, headers=ENGLISH)
    assert notices(twice) == ["An interpreter has already been requested for this appointment."]

    accept_interpreter_request(request_id=request.pk, interpreter=preferred)
    cancelled = act(client, cancel_url, appointment, headers=ENGLISH)

    assert notices(cancelled) == ["The interpreter request has been cancelled."]
    request.refresh_from_db()
    assert request.status == InterpreterRequest.Status.CANCELLED
    appointment.refresh_from_db()
    assert appointment.interpreter_language == ""
    assert Notification.objects.filter(
        appointment=appointment, kind=Notification.Kind.CANCELLED, audience=Notification.Audience.INTERPRETER
    ).exists()
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.INTERPRETER).order_by("id")
    assert [(e.detail, e.actor_id) for e in entries] == [
        ("requested:ar", caseworker.user.pk),
        ("cancelled", caseworker.user.pk),
    ]
    nothing = act(client, cancel_url, appointment, headers=ENGLISH)
    assert notices(nothing) == ["No interpreter has been requested for this appointment."]

    again = act(client, request_url, appointment, {"language": "tr"}, headers=ENGLISH)
    assert notices(again) == ["An interpreter has been requested."]
    assert InterpreterRequest.objects.get(appointment=appointment).language_id == "tr"


def test_an_interpreter_must_speak_the_language_asked_for(client, caseworker, appointment):
    client.force_login(caseworker.user)
    url = "staff:appointment-interpreter"

    wrong = act(
        client,
        url,
        appointment,
        {"language": "tr", "preferred": InterpreterFactory(languages=["ar"]).pk},
        headers=ENGLISH,
    )
    unknown = act(client, url, appointment, {"language": "xx"}, headers=ENGLISH)

    assert notices(wrong) == ["This interpreter does not work in this language."]
    assert notices(unknown) == ["Choose a language and, if you like, an interpreter from the list."]
    assert not InterpreterRequest.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.INTERPRETER).exists()


def test_the_page_shows_who_accepted_the_interpreter_job(client, topic, caseworker):
    appointment = book(
        topic, caseworker=caseworker, client=AYLIN_IN_FULL, by_staff=True, interpreter_language="ar"
    ).appointment
    interpreter = InterpreterFactory(languages=["ar"], name="Samira Haddad")
    accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=interpreter)
    client.force_login(caseworker.user)

    page = client.get(page_url(appointment), headers=ENGLISH)

    assert "accepted by Samira Haddad" in page.text
    assert reverse("staff:appointment-interpreter-cancel", args=[appointment.pk]) in page.text


def test_history_shows_changes_and_messages_but_no_message_text(client, topic, caseworker):
    booking = book(topic, caseworker=caseworker, client=AYLIN_IN_FULL, by_staff=True)
    appointment = booking.appointment
    bodies = list(
        Notification.objects.filter(appointment=appointment).exclude(body="").values_list("body", flat=True)
    )
    assert any(booking.manage_token in body for body in bodies)  # the texts do hold the private link
    client.force_login(caseworker.user)
    client.post(reverse("staff:appointment-contact", args=[appointment.pk]))

    page = client.get(page_url(appointment), headers=ENGLISH)

    history = page.text.split('id="history"')[1]
    assert history.index('data-audit="booked"') < history.index('data-audit="viewed_contact"')
    assert 'data-message="confirmation"' in history
    assert 'data-message="reminder"' in history
    assert "Contact details viewed" in history
    assert caseworker.user.username in history
    assert booking.manage_token not in page.text
    assert "/termin/" + appointment.reference not in page.text
    for body in bodies:
        assert body not in page.text


@pytest.mark.parametrize("rows", [1, 10])
def test_the_number_of_queries_does_not_grow_with_the_history(client, caseworker, appointment, rows):
    client.force_login(caseworker.user)
    client.get(page_url(appointment))  # the first look creates the call room
    with CaptureQueriesContext(connection) as before:
        client.get(page_url(appointment))

    for n in range(rows):
        record_audit(action=AuditEntry.Action.VIEWED_CONTACT, actor=caseworker.user, appointment=appointment)
        Notification.objects.create(
            appointment=appointment,
            kind=Notification.Kind.REPLY,
            channel=Notification.Channel.SMS,
            recipient=f"+4915100000{n:03d}",
            due_at=TUESDAY_9,
        )
    with CaptureQueriesContext(connection) as after:
        page = client.get(page_url(appointment))

    assert page.text.count('data-audit="viewed_contact"') == rows
    assert len(after) == len(before)


def test_a_video_appointment_links_to_the_call_page(client, caseworker, appointment):
    client.force_login(caseworker.user)
    page = client.get(page_url(appointment))
    appointment.refresh_from_db()
    assert reverse("realtime:staff-call", kwargs={"room": appointment.call_room}) in page.text
    assert "realtime:phone-call" not in page.text


def test_a_telephone_appointment_has_a_call_button_for_the_conference(client, topic, caseworker):
    appointment = book(
        topic,
        TUESDAY_9 - timedelta(days=1),
        caseworker=caseworker,
        client=AYLIN_IN_FULL,
        by_staff=True,
        mode="telephone",
    ).appointment  # today
    client.force_login(caseworker.user)

    page = client.get(page_url(appointment))

    appointment.refresh_from_db()
    phone_url = reverse("realtime:phone-call", kwargs={"room": appointment.call_room})
    assert f'action="{phone_url}"' in page.text
    assert 'name="phone"' in page.text
    assert "data-phone-call" in page.text  # staff.js posts it in the background
    assert 'src="/static/frontend/staff.js"' in page.text
    assert "/video/raum/" + appointment.call_room + '/"' not in page.text


def test_the_outcome_form_appears_once_it_has_begun(client, caseworker, appointment, time_machine):
    client.force_login(caseworker.user)
    outcome_url = reverse("staff:outcome", args=[appointment.pk])
    assert outcome_url not in client.get(page_url(appointment)).text

    time_machine.move_to(TUESDAY_9 + timedelta(minutes=5), tick=False)
    client.force_login(caseworker.user)  # a day later the idle session has ended
    page = client.get(page_url(appointment))

    assert outcome_url in page.text
    assert reverse("staff:appointment-cancel", args=[appointment.pk]) not in page.text


def test_a_waiting_client_can_be_admitted_from_the_page(client, caseworker, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(call_status="waiting")
    client.force_login(caseworker.user)

    page = client.get(page_url(appointment))

    appointment.refresh_from_db()
    assert reverse("realtime:staff-call", kwargs={"room": appointment.call_room}) + "?admit=1" in page.text
