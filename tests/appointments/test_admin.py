"""The admin: every page opens, search finds, cancelling goes through the service, no secrets are shown."""

from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib import messages as django_messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from appointments.admin import AppointmentAdmin, OfficeAdmin
from appointments.models import (
    Appointment,
    AuditEntry,
    AvailabilityRule,
    Caseworker,
    Client,
    ExtraHours,
    GroupCallPass,
    GroupSession,
    GroupSessionInterpreter,
    InboundSms,
    Interpreter,
    InterpreterAbsence,
    InterpreterAvailability,
    InterpreterDecline,
    InterpreterRequest,
    Invitation,
    Notification,
    Office,
    OfficeClosure,
    PhoneVerification,
    SmsBudget,
    Topic,
)
from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_HASH = "c0de" * 16
TOKEN_HASH = "70ce" * 16
APPOINTMENT_MODELS = sorted(
    apps.get_app_config("appointments").get_models(), key=lambda model: model.__name__
)
# Rows only the services write: the admin shows them but adds none.
NO_ADD = {
    "Appointment",
    "Client",
    "InterpreterRequest",
    "InterpreterDecline",
    "Invitation",
    "PhoneVerification",
    "InboundSms",
    "SmsBudget",
    "StaffIdentity",
    "CalendarBusy",
    "GroupSession",
    "GroupCallPass",
    "GroupSessionInterpreter",
    "Notification",
    "AuditEntry",
}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def seeded(settings, now):
    """The demo data, plus a row of each kind the demo does not make."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    # The admin tests act on the demo's bookings; its past weeks (rows for the figures) stay out.
    Appointment.objects.filter(start__lt=now).delete()
    office = Office.objects.get(slug="musterstadt")
    caseworker = Caseworker.objects.get(user__username="j.becker")
    interpreter = Interpreter.objects.get(user__username="i.alkhatib")
    OfficeClosure.objects.create(office=office, date=date(2026, 12, 31), reason="Silvester")
    ExtraHours.objects.create(
        caseworker=caseworker, date=date(2026, 12, 5), start_time=time(9), end_time=time(12), modes=["video"]
    )
    InterpreterAvailability.objects.create(
        interpreter=interpreter, weekday=0, start_time=time(8), end_time=time(16)
    )
    InterpreterAbsence.objects.create(
        interpreter=interpreter, start=now + timedelta(days=20), end=now + timedelta(days=21)
    )
    request = InterpreterRequest.objects.get()
    InterpreterDecline.objects.create(request=request, interpreter=interpreter, reason="Keine Zeit")
    InboundSms.objects.create(message_sid="SM" + "0" * 32)
    PhoneVerification.objects.create(
        phone="+491713920050",
        code_hash=CODE_HASH,
        token_hash=TOKEN_HASH,
        expires_at=now + timedelta(minutes=10),
    )
    SmsBudget.objects.create(office=office, day=date(2026, 11, 30), sent=3)
    GroupCallPass.objects.create(
        session=GroupSession.objects.first(),
        user=caseworker.user,
        participant=4242,
        token=TOKEN_HASH,
        expires_at=now + timedelta(hours=2),
    )
    # The demo's session has its Arabic interpreter already; any other seed gets one here.
    GroupSessionInterpreter.objects.get_or_create(
        session=GroupSession.objects.first(), language_id="ar", defaults={"interpreter": interpreter}
    )
    if not Invitation.objects.filter(token_hash=TOKEN_HASH).exists():
        Invitation.objects.create(
            token_hash=TOKEN_HASH,
            code_hash=CODE_HASH,
            client=Client.objects.first(),
            caseworker=caseworker,
            topic=Topic.objects.filter(office=office).first(),
            modes=["telephone"],
            window_from=now + timedelta(days=1),
            window_until=now + timedelta(days=10),
            deadline=now + timedelta(days=7),
        )
    return office


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(client, superuser, seeded):
    client.force_login(superuser)
    return client


def test_every_model_of_the_domain_is_registered():
    assert [model for model in APPOINTMENT_MODELS if model not in admin.site._registry] == []


def test_every_office_field_is_in_the_office_form():
    editable = {field.name for field in Office._meta.fields if field.editable and not field.primary_key}
    editable.remove(
        "translations"
    )  # edited language by language (tests/appointments/test_translated_content.py)
    assert set(flatten_fieldsets(OfficeAdmin.fieldsets)) == editable


@pytest.mark.parametrize("model", APPOINTMENT_MODELS, ids=lambda model: model.__name__)
class TestEveryPage:
    def test_changelist_opens(self, superuser_client, model):
        response = superuser_client.get(url(model, "changelist"))
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1

    def test_change_page_of_a_seeded_row_opens(self, superuser_client, model):
        row = model.objects.order_by("pk").first()
        assert row is not None, f"no {model.__name__} to open"
        response = superuser_client.get(url(model, "change", row.pk))
        assert response.status_code == 200

    def test_add_page_only_for_what_people_configure(self, superuser_client, model):
        response = superuser_client.get(url(model, "add"))
        assert response.status_code == (403 if model.__name__ in NO_ADD else 200)


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (Caseworker, "Yılmaz", {"Mehmet Yılmaz"}),
        (Caseworker, "o.kovalenko", {"Olena Kovalenko"}),
        (Topic, "Bürgergeld", {"Fragen zum Bürgergeld"}),
        (Interpreter, "Ahmadi", {"Farid Ahmadi"}),
        (Interpreter, "Українська", {"Iryna Shevchenko"}),
    ],
)
def test_search_finds_by_name_username_and_language(superuser_client, model, query, expected):
    response = superuser_client.get(url(model, "changelist"), {"q": query})
    assert response.status_code == 200
    assert {str(row) for row in response.context["cl"].result_list} == expected


def test_appointments_are_found_by_reference_and_client(superuser_client):
    appointment = Appointment.objects.get(client__name="Thomas Schulz")
    for query in (appointment.reference, "Schulz", "+491713920002", "0171 3920002", "+49 (171) 392 0002"):
        response = superuser_client.get(url(Appointment, "changelist"), {"q": query})
        assert list(response.context["cl"].result_list) == [appointment], query


def test_clients_are_found_by_their_number_as_people_type_it(superuser_client):
    response = superuser_client.get(url(Client, "changelist"), {"q": "0171 392 0004"})
    assert [client.name for client in response.context["cl"].result_list] == ["Nataliia Bondarenko"]


def test_autocomplete_for_a_caseworkers_languages(superuser_client):
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "appointments", "model_name": "caseworker", "field_name": "languages", "term": "Türk"},
    )
    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == ["tr"]


class TestAppointmentsAreReadOnly:
    def test_the_change_page_has_no_inputs_and_refuses_a_post(self, superuser_client):
        appointment = Appointment.objects.first()
        page = superuser_client.get(url(Appointment, "change", appointment.pk))
        assert b'name="start"' not in page.content
        assert b'name="status"' not in page.content
        response = superuser_client.post(url(Appointment, "change", appointment.pk), {"status": "cancelled"})
        assert response.status_code == 403
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED

    def test_no_delete(self, superuser_client):
        appointment = Appointment.objects.first()
        assert superuser_client.get(url(Appointment, "delete", appointment.pk)).status_code == 403
        actions = AppointmentAdmin(Appointment, admin.site).get_actions(
            superuser_client.get(url(Appointment, "changelist")).wsgi_request
        )
        assert list(actions) == ["cancel_selected"]


def cancel(client, *appointments):
    return client.post(
        url(Appointment, "changelist"),
        {"action": "cancel_selected", "_selected_action": [appointment.pk for appointment in appointments]},
        follow=True,
    )


class TestCancelAction:
    def test_cancels_through_the_service(self, superuser_client):
        booked = Appointment.objects.filter(status=Appointment.Status.BOOKED)
        appointment = booked.exclude(interpreter_language="").get()
        response = cancel(superuser_client, appointment)
        assert response.status_code == 200
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.version == 1
        assert appointment.cancelled_by == Appointment.Party.STAFF
        assert appointment.cancel_reason
        # What only the service does: the interpreter request is called off, the client told.
        assert appointment.interpreter_request.status == InterpreterRequest.Status.CANCELLED
        assert Notification.objects.filter(
            appointment=appointment, kind=Notification.Kind.CANCELLED, appointment_version=1
        ).exists()
        levels = [message.level for message in response.context["messages"]]
        assert levels == [django_messages.SUCCESS]

    def test_others_stay_booked(self, superuser_client):
        first, *others = Appointment.objects.filter(status=Appointment.Status.BOOKED).order_by("start")
        cancel(superuser_client, first)
        assert {appointment.status for appointment in others} == {Appointment.Status.BOOKED}
        assert {appointment.version for appointment in others} == {0}

    def test_reports_what_could_not_be_cancelled_and_cancels_the_rest(self, superuser_client):
        done, fresh = Appointment.objects.filter(status=Appointment.Status.BOOKED).order_by("start")[:2]
        cancel(superuser_client, done)
        response = cancel(superuser_client, done, fresh)
        done.refresh_from_db()
        fresh.refresh_from_db()
        assert (done.status, done.version) == (Appointment.Status.CANCELLED, 1)
        assert (fresh.status, fresh.version) == (Appointment.Status.CANCELLED, 1)
        reported = [(message.level, str(message)) for message in response.context["messages"]]
        assert [level for level, _ in reported] == [django_messages.ERROR, django_messages.SUCCESS]
        assert done.reference in reported[0][1]

    def test_an_appointment_that_has_begun_is_not_cancelled(self, superuser_client, superuser, time_machine):
        appointment = Appointment.objects.order_by("start").first()
        time_machine.move_to(appointment.start + timedelta(minutes=1), tick=False)
        superuser_client.force_login(superuser)  # the session of days ago has timed out
        response = cancel(superuser_client, appointment)
        appointment.refresh_from_db()
        assert (appointment.status, appointment.version) == (Appointment.Status.BOOKED, 0)
        assert [message.level for message in response.context["messages"]] == [django_messages.ERROR]

    def test_staff_who_may_only_view_cannot_cancel(self, client, seeded):
        viewer = UserFactory(username="viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_appointment"))
        client.force_login(viewer)
        page = client.get(url(Appointment, "changelist"))
        assert page.status_code == 200
        assert b"cancel_selected" not in page.content
        appointment = Appointment.objects.first()
        cancel(client, appointment)
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED


class TestClientsInTheAuditLog:
    def test_opening_a_client_is_recorded_for_the_office(self, superuser_client, superuser):
        client = Client.objects.filter(appointments__isnull=False).first()
        office_id = client.appointments.first().topic.office_id

        assert superuser_client.get(url(Client, "change", client.pk)).status_code == 200

        entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEWED_CONTACT)
        assert (entry.client_id, entry.office_id, entry.actor_id) == (client.pk, office_id, superuser.pk)

    def test_changing_a_client_is_recorded_with_the_fields_not_their_values(self, superuser_client):
        client = Client.objects.filter(appointments__isnull=False).first()
        form = {
            "name": "Neuer Name",
            "email": client.email,
            "customer_number": client.customer_number,
            "language": client.language,
            "sms_consent": "on" if client.sms_consent else "",
        }

        assert superuser_client.post(url(Client, "change", client.pk), form).status_code == 302

        entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACT_CHANGED)
        assert (entry.client_id, entry.detail) == (client.pk, "name")
        assert "Neuer" not in str(AuditEntry.objects.values_list())


class TestNoSecretsShown:
    def pages(self, client):
        for model in APPOINTMENT_MODELS:
            yield client.get(url(model, "changelist"))
            for pk in model.objects.values_list("pk", flat=True)[:3]:
                yield client.get(url(model, "change", pk))

    def test_token_and_code_hashes_appear_on_no_page(self, superuser_client):
        secrets = [
            CODE_HASH,
            TOKEN_HASH,
            *Appointment.objects.exclude(manage_token_hash="").values_list("manage_token_hash", flat=True),
            *Invitation.objects.values_list("token_hash", flat=True),
            *Invitation.objects.values_list("code_hash", flat=True),
        ]
        assert all(len(secret) == 64 for secret in secrets)
        for response in self.pages(superuser_client):
            assert response.status_code == 200
            content = response.content.decode()
            assert [secret for secret in secrets if secret in content] == [], response.request["PATH_INFO"]

    def test_the_clear_manage_token_in_a_message_is_masked(self, superuser_client, seeded):
        topic = Topic.objects.get(slug="kurze-rueckfrage")
        coordinator = Caseworker.objects.get(is_coordinator=True).user
        wednesday = date(2026, 12, 2)
        slot = free_slots(topic=topic, date_from=wednesday, date_to=wednesday, mode="telephone")[0]
        booking = book_appointment(
            topic=topic,
            mode="telephone",
            start=slot.start,
            client=ClientDetails(name="Eva Test", phone="+49 171 3920060", sms_consent=True),
            booked_by=coordinator,
        )
        message = Notification.objects.get(
            appointment=booking.appointment, kind=Notification.Kind.CONFIRMATION, channel="sms"
        )
        assert booking.manage_token in message.body
        page = superuser_client.get(url(Notification, "change", message.pk))
        assert page.status_code == 200
        assert booking.manage_token not in page.content.decode()
        assert "/m/…" in page.content.decode()

    def test_a_verification_code_in_a_message_is_masked(self, superuser_client, now):
        message = Notification.objects.create(
            kind=Notification.Kind.VERIFICATION_CODE,
            channel=Notification.Channel.SMS,
            recipient="+491713920050",
            body="Ihr Code für den Termin beim Jobcenter: 493817. Er gilt 10 Minuten.",
            due_at=now,
        )
        page = superuser_client.get(url(Notification, "change", message.pk)).content.decode()
        assert "493817" not in page
        assert "Er gilt 10 Minuten" in page

    def test_the_call_room_is_not_shown(self, superuser_client):
        appointment = Appointment.objects.first()
        Appointment.objects.filter(pk=appointment.pk).update(call_room="room-secret-1234567890")
        page = superuser_client.get(url(Appointment, "change", appointment.pk)).content.decode()
        assert "room-secret-1234567890" not in page


class TestConfigurationForms:
    def test_a_topic_is_added_with_its_modes_as_checkboxes(self, superuser_client, seeded):
        page = superuser_client.get(url(Topic, "add")).content.decode()
        assert 'type="checkbox" name="modes" value="video"' in page
        response = superuser_client.post(
            url(Topic, "add"),
            {
                "office": seeded.pk,
                "slug": "miete",
                "name": "Kosten der Unterkunft",
                "duration": "00:20:00",
                "buffer_before": "00:00:00",
                "buffer_after": "00:00:00",
                "modes": ["telephone", "video"],
                "active": "on",
                "position": "5",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Topic.objects.get(slug="miete").modes == ["telephone", "video"]

    def test_a_topic_without_modes_is_refused(self, superuser_client, seeded):
        response = superuser_client.post(
            url(Topic, "add"),
            {"office": seeded.pk, "slug": "leer", "name": "Leer", "duration": "00:20:00", "position": "0"},
        )
        assert response.status_code == 200
        assert "modes" in response.context["adminform"].form.errors
        assert not Topic.objects.filter(slug="leer").exists()

    def test_weekly_hours_are_added_with_one_mode(self, superuser_client):
        caseworker = Caseworker.objects.get(user__username="j.becker")
        response = superuser_client.post(
            url(AvailabilityRule, "add"),
            {
                "caseworker": caseworker.pk,
                "weekday": "5",
                "start_time": "09:00",
                "end_time": "11:00",
                "modes": ["video"],
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        rule = AvailabilityRule.objects.get(caseworker=caseworker, weekday=5)
        assert (rule.start_time, rule.end_time, rule.modes) == (time(9), time(11), ["video"])

    def test_the_office_form_adds_a_closure_inline(self, superuser_client, seeded):
        page = superuser_client.get(url(Office, "change", seeded.pk))
        form = page.context["adminform"].form
        data = {name: form[name].value() for name in form.fields}
        data = {name: "" if value is None else value for name, value in data.items()}
        data["require_phone_verification"] = "on"
        data["min_notice"] = "04:00:00"
        data["reminder_offsets_minutes"] = "[1440, 60]"
        data.update(
            {
                "closures-TOTAL_FORMS": "1",
                "closures-INITIAL_FORMS": "0",
                "closures-0-date": "2026-12-24",
                "closures-0-reason": "Heiligabend",
            }
        )
        response = superuser_client.post(url(Office, "change", seeded.pk), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        seeded.refresh_from_db()
        assert seeded.min_notice == timedelta(hours=4)
        assert sorted(seeded.closures.values_list("reason", flat=True)) == ["Heiligabend", "Silvester"]
