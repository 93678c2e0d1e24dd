"""Alerts to coordinators are outbox rows: one per address, sent by the worker, retried like any e-mail."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction

from appointments.models import Notification
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.interpreter_escalation import escalate_interpreter_requests
from appointments.services.outbox.compose import alert_coordinator
from appointments.services.outbox.worker import MAX_ATTEMPTS, backoff, run_due_messages
from tests.factories import InterpreterFactory, OfficeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

Status = Notification.Status
COORDINATORS = "koordination@jobcenter.example"


@pytest.fixture
def office():
    return OfficeFactory(coordinator_email=COORDINATORS)


def test_an_alert_is_a_row_for_each_address_and_the_worker_sends_it(office):
    alert_coordinator(
        office=office, subject="No more SMS codes today", body="spent", also=("fk@jobcenter.example",)
    )

    rows = Notification.objects.filter(kind=Notification.Kind.COORDINATOR_ALERT).order_by("recipient")
    assert [(r.recipient, r.channel, r.audience, r.status) for r in rows] == [
        ("fk@jobcenter.example", "email", "caseworker", Status.PENDING),
        (COORDINATORS, "email", "caseworker", Status.PENDING),
    ]
    assert mail.outbox == []

    assert run_due_messages() == 2
    assert sorted(message.to for message in mail.outbox) == [["fk@jobcenter.example"], [COORDINATORS]]
    assert {(m.subject, m.body) for m in mail.outbox} == {("No more SMS codes today", "spent")}
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}


def test_an_alert_goes_once_to_an_address_named_twice_and_not_at_all_without_one(office):
    alert_coordinator(office=office, subject="s", body="b", also=(COORDINATORS, ""))
    alert_coordinator(office=OfficeFactory(coordinator_email=""), subject="s", body="b")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [COORDINATORS]


def test_an_alert_of_a_change_that_rolled_back_never_goes(office):
    def change_that_fails():
        with transaction.atomic():
            alert_coordinator(office=office, subject="s", body="b")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert run_due_messages() == 0
    assert mail.outbox == []


def test_a_mail_server_that_is_down_is_retried_with_backoff_then_given_up(
    office, monkeypatch, now, time_machine
):
    calls = []

    def server_down(message):
        calls.append(message.to)
        raise ConnectionRefusedError

    monkeypatch.setattr(EmailMessage, "send", server_down)
    alert_coordinator(office=office, subject="s", body="b")
    alert = Notification.objects.get(kind=Notification.Kind.COORDINATOR_ALERT)

    run_due_messages()
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, alert.due_at) == (Status.PENDING, 1, now + backoff(1))
    assert alert.error == "e-mail: ConnectionRefusedError"

    moment = now
    for attempt in range(2, MAX_ATTEMPTS + 1):
        moment += backoff(attempt - 1) + timedelta(seconds=1)
        time_machine.move_to(moment, tick=False)
        run_due_messages()
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, len(calls)) == (Status.FAILED, MAX_ATTEMPTS, MAX_ATTEMPTS)

    monkeypatch.undo()
    time_machine.move_to(moment + timedelta(hours=1), tick=False)
    assert run_due_messages() == 0  # given up for good: nothing is sent twice


def test_an_interpreter_request_still_open_alerts_the_coordinators_and_the_caseworker(
    topic, caseworker, time_machine
):
    caseworker.user.email = "fk@jobcenter.example"
    caseworker.user.save()
    InterpreterFactory(languages=("ar",), modes=["video"], sms_consent=True)
    start = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=start,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        interpreter_language="ar",
    ).appointment

    time_machine.move_to(start - timedelta(hours=48), tick=False)
    while escalate_interpreter_requests():
        pass

    alerts = Notification.objects.filter(kind=Notification.Kind.COORDINATOR_ALERT)
    assert sorted(alerts.values_list("recipient", flat=True)) == ["fk@jobcenter.example", COORDINATORS]
    assert {alert.subject for alert in alerts} == {f"Noch keine Dolmetschung für {appointment.reference}"}
    run_due_messages()
    assert set(alerts.values_list("status", flat=True)) == {Status.SENT}
    alerted = sorted(m.to for m in mail.outbox if m.subject.startswith("Noch keine"))
    assert alerted == [["fk@jobcenter.example"], [COORDINATORS]]
