"""manage.py seed_demo: what it creates, that it books through the service, that a rerun changes nothing."""

import re
from datetime import date, datetime, time, timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.urls import reverse

from appointments.models import (
    Absence,
    Appointment,
    AvailabilityRule,
    Caseworker,
    Client,
    GroupSession,
    Interpreter,
    InterpreterLanguage,
    InterpreterRequest,
    Invitation,
    Notification,
    Office,
    Topic,
)
from appointments.services.availability import check_start, free_slots
from appointments.services.figures import office_figures
from appointments.services.invitations import open_invitation
from tests.scenario import BERLIN

pytestmark = pytest.mark.django_db

PASSWORD = "demo-sprechstunde"
# The frozen `now` is Monday 30 November 2026, 07:00 in Berlin: next week starts on 7 December.
NEXT_MONDAY = date(2026, 12, 7)
SEEDED = (
    Office,
    Topic,
    Caseworker,
    AvailabilityRule,
    Absence,
    Interpreter,
    InterpreterLanguage,
    Client,
    Appointment,
    InterpreterRequest,
    Invitation,
    Notification,
    get_user_model(),
)


@pytest.fixture
def seed(settings, now):
    """Run the command as `make run` does (DEBUG on) and return what it printed."""
    settings.DEBUG = True

    def run(**options) -> str:
        out = StringIO()
        call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
        return out.getvalue()

    return run


@pytest.fixture
def seeded(seed):
    return seed()


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table the command writes, field by field."""
    return {
        model.__name__: sorted(
            (model_to_dict(row) for row in model.objects.all()), key=lambda values: str(values["id"])
        )
        for model in SEEDED
    }


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


@pytest.mark.usefixtures("seeded")
class TestWhatItCreates:
    def test_one_office_in_hessen_that_confirms_phone_numbers(self):
        office = Office.objects.get()
        assert (office.name, office.slug, office.state, office.time_zone) == (
            "Jobcenter Musterstadt",
            "musterstadt",
            "HE",
            "Europe/Berlin",
        )
        assert office.phone
        assert office.require_phone_verification is True

    def test_six_caseworkers_who_all_speak_german_and_can_log_in(self):
        caseworkers = list(Caseworker.objects.select_related("user", "office"))
        assert len(caseworkers) == 6
        assert {worker.office.slug for worker in caseworkers} == {"musterstadt"}
        spoken = {worker.pk: set(worker.languages.values_list("code", flat=True)) for worker in caseworkers}
        assert all("de" in codes for codes in spoken.values())
        assert set().union(*spoken.values()) >= {"de", "en", "tr", "ar", "ru", "uk"}
        assert len({worker.display_name for worker in caseworkers}) == 6
        for worker in caseworkers:
            assert worker.user.check_password(PASSWORD), worker.user.username
            assert worker.topics.exists(), worker.display_name

    def test_one_coordinator_may_use_the_admin_and_the_others_may_not(self):
        coordinators = Caseworker.objects.filter(is_coordinator=True).select_related("user")
        assert len(coordinators) == 1
        assert coordinators[0].user.is_staff
        assert coordinators[0].user.is_superuser
        others = get_user_model().objects.exclude(pk=coordinators[0].user.pk)
        assert not others.filter(is_staff=True).exists()
        assert not others.filter(is_superuser=True).exists()

    def test_weekly_hours_monday_to_friday_with_telephone_or_video(self):
        rules = AvailabilityRule.objects.all()
        assert {rule.weekday for rule in rules} == {0, 1, 2, 3, 4}
        for rule in rules:
            assert rule.modes
            assert set(rule.modes) <= {"telephone", "video"}
            assert time(7) <= rule.start_time < rule.end_time <= time(18)
        for worker in Caseworker.objects.all():
            assert worker.availability_rules.exists(), worker.display_name

    def test_four_topics_with_ascii_slugs_durations_and_buffers(self):
        topics = {
            topic.name: (topic.minutes, topic.buffer_before, topic.buffer_after)
            for topic in Topic.objects.filter(group=False)
        }
        assert topics == {
            "Fragen zum Bürgergeld": (30, timedelta(0), timedelta(0)),
            "Arbeitsvermittlung": (45, timedelta(0), timedelta(minutes=5)),
            "Weiterbildung": (30, timedelta(0), timedelta(0)),
            "Kurze Rückfrage": (15, timedelta(0), timedelta(0)),
        }
        for topic in Topic.objects.filter(group=False):
            assert topic.slug.isascii(), topic.slug
            assert sorted(topic.modes) == ["telephone", "video"]
            assert topic.active

    @pytest.mark.parametrize("mode", ["telephone", "video"])
    def test_every_topic_can_be_booked_in_both_modes(self, now, mode):
        for topic in Topic.objects.filter(group=False):
            slots = free_slots(
                topic=topic, date_from=NEXT_MONDAY, date_to=NEXT_MONDAY + timedelta(days=4), mode=mode
            )
            assert slots, (topic.slug, mode)

    def test_absences_next_week(self):
        absences = list(Absence.objects.all())
        assert len(absences) >= 2
        for absence in absences:
            assert NEXT_MONDAY <= local(absence.start).date() < NEXT_MONDAY + timedelta(days=7)
            assert absence.end > absence.start

    def test_five_interpreters_with_their_languages_and_a_dari_farsi_note(self):
        interpreters = Interpreter.objects.select_related("user")
        assert interpreters.count() == 5
        languages = sorted(
            sorted(interpreter.languages.values_list("language_id", flat=True))
            for interpreter in interpreters
        )
        assert languages == [["ar"], ["fa", "prs"], ["ru"], ["tr"], ["uk"]]
        for interpreter in interpreters:
            assert interpreter.user.check_password(PASSWORD)
            assert interpreter.active
            assert interpreter.modes
        notes = dict(
            InterpreterLanguage.objects.filter(language__in=["prs", "fa"]).values_list(
                "language_id", "dialect_note"
            )
        )
        assert "Dari" in notes["prs"]
        assert "Farsi" in notes["fa"]


@pytest.mark.usefixtures("seeded")
class TestBookings:
    def test_some_future_bookings_made_by_the_coordinator(self, now):
        booked = Appointment.objects.filter(
            start__gt=now, status=Appointment.Status.BOOKED, group_session__isnull=True
        )
        appointments = list(booked.select_related("booked_by"))
        assert len(appointments) >= 3
        for appointment in appointments:
            assert appointment.status == Appointment.Status.BOOKED
            assert appointment.start > now
            assert appointment.booked_by.username == "koordination"

    def test_they_went_through_the_booking_service(self, now):
        for appointment in Appointment.objects.filter(start__gt=now, status=Appointment.Status.BOOKED):
            assert len(appointment.manage_token_hash) == 64
            assert Notification.objects.filter(
                appointment=appointment, kind=Notification.Kind.CONFIRMATION, appointment_version=0
            ).exists(), appointment.reference

    def test_one_needs_an_interpreter_and_has_a_request(self):
        booked = Appointment.objects.filter(status=Appointment.Status.BOOKED)
        appointment = booked.exclude(interpreter_language="").get()
        request = InterpreterRequest.objects.get()
        assert request.appointment == appointment
        assert request.language_id == appointment.interpreter_language
        assert request.status == InterpreterRequest.Status.OPEN

    def test_each_lies_within_hours_and_outside_absences_and_speaks_the_language(self, now):
        for appointment in Appointment.objects.filter(
            start__gt=now, group_session__isnull=True
        ).select_related("topic__office", "caseworker"):
            spoken = None if appointment.interpreter_language else appointment.language
            check = check_start(
                topic=appointment.topic,
                mode=appointment.mode,
                start=appointment.start,
                language=spoken,
                exclude_appointment_id=appointment.pk,
                caseworker_ids=[appointment.caseworker_id],
                now=now,
            )
            assert check.free == [appointment.caseworker_id], appointment.reference

    def test_no_caseworker_is_booked_twice_at_once(self):
        by_caseworker: dict[int, list[Appointment]] = {}
        for appointment in Appointment.objects.order_by("blocked_from"):
            by_caseworker.setdefault(appointment.caseworker_id, []).append(appointment)
        for appointments in by_caseworker.values():
            for earlier, later in pairwise(appointments):
                assert earlier.blocked_until <= later.blocked_from, (earlier.reference, later.reference)


@pytest.mark.usefixtures("seeded")
class TestGroupSession:
    def test_one_session_tomorrow_at_the_office_with_one_place_booked(self, now):
        session = GroupSession.objects.get()
        office = session.topic.office
        assert session.start.astimezone(office.zone).date() == office.today(now) + timedelta(days=1)
        assert session.mode == "in_person"
        assert session.capacity == 12
        assert [place.client.name for place in session.places.all()] == ["Yusuf Karimi"]
        assert set(session.languages.values_list("code", flat=True)) == {"de", "ar"}
        assignment = session.interpreters.get()
        assert (assignment.language_id, assignment.interpreter.user.username) == ("ar", "i.alkhatib")
        assert Notification.objects.filter(appointment__group_session=session, kind="confirmation").exists()


def test_where_janus_runs_the_demo_session_is_a_video_call(seed, settings):
    settings.VIDEO_BACKEND = "janus"
    seed()
    session = GroupSession.objects.get()
    assert session.mode == "video"
    assert set(session.topic.modes) == {"in_person", "video"}
    assert session.places.get().mode == "video"


@pytest.mark.usefixtures("seeded")
class TestPastAppointments:
    def test_four_weeks_held_missed_and_cancelled_fill_the_figures(self, now):
        office = Office.objects.get()
        today = now.astimezone(office.zone).date()
        past = Appointment.objects.filter(start__lt=now)

        assert {appointment.status for appointment in past} == {
            Appointment.Status.COMPLETED,
            Appointment.Status.NO_SHOW,
            Appointment.Status.CANCELLED,
        }
        assert min(appointment.start for appointment in past).date() >= today - timedelta(days=28)
        figures = office_figures(office=office, first=today - timedelta(days=29), last=today)
        assert figures.totals.total == past.count()
        assert 0 < figures.no_show_percent < 50


class TestRerun:
    def test_running_twice_changes_nothing(self, seed):
        seed()
        before = snapshot()
        seed()
        assert snapshot() == before
        counts = {name: len(rows) for name, rows in before.items()}
        assert counts["Office"] == 1
        assert counts["Caseworker"] == 6
        assert counts["Topic"] == 5  # four to book a time of, one group session
        assert counts["Interpreter"] == 5

    def test_no_more_bookings_once_the_office_has_some(self, seed, time_machine, now):
        seed()
        booked = set(Appointment.objects.values_list("pk", flat=True))
        time_machine.move_to(now + timedelta(days=7), tick=False)
        seed()
        assert set(Appointment.objects.values_list("pk", flat=True)) == booked
        assert Caseworker.objects.count() == 6
        assert get_user_model().objects.count() == 11


class TestOutputAndSafety:
    def test_prints_the_demo_logins_and_the_admin_url(self, seed):
        output = seed()
        assert "koordination / demo-sprechstunde" in output
        assert "m.yilmaz / demo-sprechstunde" in output
        assert "i.alkhatib / demo-sprechstunde" in output
        assert "http://127.0.0.1:8000/admin/" in output

    def test_the_printed_coordinator_login_opens_the_admin(self, seed, client):
        seed()
        login = client.post(reverse("login"), {"username": "koordination", "password": PASSWORD})
        assert login.status_code == 302
        assert client.get("/admin/").status_code == 200

    def test_refuses_with_debug_off_unless_forced(self, settings):
        settings.DEBUG = False
        with pytest.raises(CommandError, match="DEBUG"):
            call_command("seed_demo", stdout=StringIO())
        assert not Office.objects.exists()
        assert not get_user_model().objects.exists()
        call_command("seed_demo", force=True, stdout=StringIO())
        assert Office.objects.get().slug == "musterstadt"


@pytest.mark.usefixtures("now")
class TestInvitations:
    def test_three_open_invitations_with_their_messages_and_one_printed_link(self, seed):
        printed = seed()
        invitations = Invitation.objects.order_by("pk")
        assert [invitation.status for invitation in invitations] == ["open"] * 3
        fixed, window, letter = invitations
        assert fixed.appointment.status == Appointment.Status.HELD
        assert window.start is None
        assert letter.channels == ["letter"]
        assert Notification.objects.filter(invitation=fixed, channel="sms").count() == 1
        assert Notification.objects.filter(invitation=window).count() == 2
        assert not Notification.objects.filter(invitation=letter).exists()
        link = re.search(r"(http\S+/e/(\S+))", printed)
        assert link, printed
        assert open_invitation(token=link.group(2)) == fixed
