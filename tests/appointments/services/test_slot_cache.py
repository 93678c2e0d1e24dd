"""The shared cache of free times: used by the public pages, and never showing a time that is gone.

Each change that can alter availability is made through the service that makes it, after a
cached list was shown; the next list must already reflect it. These tests commit for real
(`transaction=True`): the cache is dropped only once a change has committed.
"""

from datetime import date, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from appointments.models import Absence, Appointment, CalendarLink, Caseworker, GroupSession
from appointments.services import slot_cache
from appointments.services.availability import free_slots
from appointments.services.booking import cancel_appointment, reschedule_appointment
from appointments.services.group_sessions import cancel_group_session, schedule_group_session
from appointments.services.hours import (
    add_absence,
    add_closure,
    add_extra_hours,
    add_weekly_hours,
    change_weekly_hours,
    remove_absence,
)
from appointments.services.own_calendars import replace_busy_times
from appointments.services.sso import SignInRefused, sign_in_staff
from tests.factories import CaseworkerFactory, TopicFactory, week_of_hours
from tests.scenario import TUESDAY, TUESDAY_9, TUESDAY_10, at, book

# Serialized rollback: the flush after each test would take the languages the migrations wrote.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("shared_slot_cache"),
]


def shown(topic, day: date = TUESDAY, **options) -> list:
    """The start times the public pages show for `day` (through the cache)."""
    return [
        slot.start for slot in free_slots(topic=topic, date_from=day, date_to=day, shared=True, **options)
    ]


def computed(topic, day: date = TUESDAY, **options) -> list:
    return [slot.start for slot in free_slots(topic=topic, date_from=day, date_to=day, **options)]


@pytest.mark.usefixtures("now", "caseworker")
class TestCached:
    def test_a_second_request_reads_no_table(self, topic):
        first = shown(topic)
        with CaptureQueriesContext(connection) as queries:
            again = shown(topic)
        assert again == first == computed(topic)
        assert len(queries) == 0

    def test_without_a_lifetime_nothing_is_kept(self, topic, settings):
        settings.SLOT_CACHE_SECONDS = 0
        shown(topic)
        with CaptureQueriesContext(connection) as queries:
            shown(topic)
        assert len(queries) > 0

    def test_each_question_has_its_own_entry(self, topic):
        assert shown(topic, mode="video") == computed(topic, mode="video")
        assert shown(topic, language="tr") == computed(topic, language="tr") == []
        assert shown(topic, date(2026, 12, 2)) == computed(topic, date(2026, 12, 2))
        assert shown(topic, date(2026, 12, 2)) != shown(topic)

    def test_the_notice_of_this_moment_applies_to_a_kept_list(self, topic, time_machine):
        kept = shown(topic)
        assert kept[0] == TUESDAY_9
        # Two hours' notice (the factory's): at 07:10 the 09:00 start is too close.
        time_machine.move_to(at(TUESDAY, "07:10"), tick=False)
        assert shown(topic) == computed(topic) == kept[1:]

    def test_the_horizon_of_this_moment_applies_to_a_kept_list(self, topic):
        last_day = topic.office.today() + timedelta(days=topic.office.horizon_days)
        after = last_day + timedelta(days=7)
        assert shown(topic, last_day) == computed(topic, last_day) != []
        assert free_slots(topic=topic, date_from=after, date_to=after, shared=True) == []

    def test_a_lost_counter_never_brings_back_an_old_list(self, topic, caseworker, time_machine):
        before = shown(topic)
        time_machine.shift(timedelta(seconds=1))  # a fresh counter starts from the clock
        with transaction.atomic():
            book(topic, TUESDAY_9, caseworker=caseworker)
            cache.delete(slot_cache.GENERATION)  # evicted, and then the booking's drop finds none
        assert TUESDAY_9 in before
        assert TUESDAY_9 not in shown(topic)

    def test_what_was_computed_before_a_change_committed_is_never_shown_after(self, topic, caseworker):
        def computed_while_someone_books():
            old = computed(topic)
            book(topic, TUESDAY_9, caseworker=caseworker)  # commits between our read and our store
            return old

        stale = slot_cache.remembered(("a list",), computed_while_someone_books)
        assert TUESDAY_9 in stale
        assert slot_cache.remembered(("a list",), lambda: "computed again") == "computed again"

    def test_a_change_rolled_back_keeps_the_list(self, topic, caseworker):
        shown(topic)

        def booked_and_rolled_back():
            with transaction.atomic():
                book(topic, TUESDAY_9, caseworker=caseworker)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            booked_and_rolled_back()
        with CaptureQueriesContext(connection) as queries:
            assert TUESDAY_9 in shown(topic)
        assert len(queries) == 0

    def test_an_unreachable_cache_costs_speed_not_answers(self, topic):
        nowhere = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
        }
        with override_settings(CACHES={"default": nowhere}):
            assert shown(topic) == computed(topic) != []
            slot_cache.availability_changed()  # logged, not raised


@pytest.mark.usefixtures("now")
class TestEveryChangeDropsTheList:
    """After each change, the list shown equals the one computed from the tables."""

    def test_a_booking_and_its_cancellation(self, topic, caseworker):
        assert TUESDAY_9 in shown(topic)
        booking = book(topic, TUESDAY_9, caseworker=caseworker)
        assert TUESDAY_9 not in shown(topic)
        cancel_appointment(appointment=booking.appointment, by="client", manage_token=booking.manage_token)
        assert TUESDAY_9 in shown(topic)

    def test_a_booking_moved(self, topic, caseworker):
        booking = book(topic, TUESDAY_9, caseworker=caseworker)
        assert TUESDAY_10 in shown(topic)
        reschedule_appointment(
            appointment=booking.appointment, start=TUESDAY_10, manage_token=booking.manage_token
        )
        assert TUESDAY_9 in shown(topic)
        assert TUESDAY_10 not in shown(topic)

    def test_weekly_hours_added_and_changed(self, topic, caseworker):
        evening = at(TUESDAY, "17:00")
        assert evening not in shown(topic)
        rule = add_weekly_hours(
            caseworker=caseworker, weekday=1, start_time=time(17), end_time=time(18), modes=["video"]
        )
        assert evening in shown(topic)
        change_weekly_hours(rule=rule, weekday=1, start_time=time(17, 30), end_time=time(18), modes=["video"])
        assert shown(topic) == computed(topic)
        assert evening not in shown(topic)

    def test_extra_hours(self, topic, caseworker):
        assert at(TUESDAY, "14:00") not in shown(topic)
        add_extra_hours(
            caseworker=caseworker, day=TUESDAY, start_time=time(14), end_time=time(15), modes=["video"]
        )
        assert at(TUESDAY, "14:00") in shown(topic)

    def test_an_absence_and_its_removal(self, topic, caseworker):
        assert TUESDAY_9 in shown(topic)
        absence = add_absence(caseworker=caseworker, kind=Absence.Kind.OTHER, start=TUESDAY_9, end=TUESDAY_10)
        assert shown(topic) == computed(topic)
        assert TUESDAY_9 not in shown(topic)
        remove_absence(absence.created)
        assert TUESDAY_9 in shown(topic)

    def test_the_office_closed(self, topic, caseworker):
        assert shown(topic) != []
        add_closure(office=topic.office, day=TUESDAY)
        assert shown(topic) == []

    def test_busy_times_from_the_own_calendar(self, topic, caseworker):
        link = CalendarLink.objects.create(caseworker=caseworker, url="https://calendar.example/own.ics")
        assert TUESDAY_9 in shown(topic)
        replace_busy_times(link, [(TUESDAY_9, TUESDAY_10, False)])
        assert TUESDAY_9 not in shown(topic)
        replace_busy_times(link, [])
        assert TUESDAY_9 in shown(topic)

    def test_a_group_session_hosted_and_cancelled(self, topic, caseworker):
        group = TopicFactory(
            office=topic.office, group=True, modes=["in_person"], duration=timedelta(hours=1)
        )
        caseworker.topics.add(group)
        assert TUESDAY_9 in shown(topic)
        session = schedule_group_session(topic=group, start=TUESDAY_9, hosts=[caseworker], capacity=5)
        assert TUESDAY_9 not in shown(topic)
        cancel_group_session(session=GroupSession.objects.get(pk=session.pk))
        assert TUESDAY_9 in shown(topic)

    def test_the_topic_changed(self, topic, caseworker):
        assert shown(topic) != []
        topic.duration = timedelta(minutes=60)
        topic.save()
        assert shown(topic) == computed(topic)
        assert at(TUESDAY, "11:30") not in shown(topic)

    def test_a_caseworker_given_or_taken_the_topic_or_a_language(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office)
        week_of_hours(colleague, start=time(14), end=time(15))
        assert at(TUESDAY, "14:00") not in shown(topic)
        colleague.topics.add(topic)
        assert at(TUESDAY, "14:00") in shown(topic)
        assert shown(topic, language="tr") == []
        colleague.languages.add(
            colleague.languages.model.objects.get_or_create(code="tr", defaults={"name": "Türkçe"})[0]
        )
        assert shown(topic, language="tr") == computed(topic, language="tr") != []
        colleague.topics.remove(topic)
        assert at(TUESDAY, "14:00") not in shown(topic)

    def test_a_caseworker_switched_off_at_a_sign_in_without_a_role(self, topic, settings):
        settings.OIDC_ROLE_MAP = {"fachkraft": f"caseworker@{topic.office.slug}"}
        claims = {"sub": "kw-1", "name": "Kim Weber", settings.OIDC_ROLE_CLAIM: ["fachkraft"]}
        user = sign_in_staff(issuer="https://idp.example", claims=claims)
        worker = Caseworker.objects.get(user=user)
        worker.topics.add(topic)
        week_of_hours(worker, start=time(14), end=time(15))
        assert at(TUESDAY, "14:00") in shown(topic)
        with pytest.raises(SignInRefused):
            sign_in_staff(issuer="https://idp.example", claims={**claims, settings.OIDC_ROLE_CLAIM: []})
        assert at(TUESDAY, "14:00") not in shown(topic)

    def test_a_change_that_sends_no_signal_says_so_itself(self, topic, caseworker):
        assert TUESDAY_9 in shown(topic)
        booking = book(topic, TUESDAY_9, caseworker=caseworker)
        Appointment.objects.filter(pk=booking.appointment.pk).update(status=Appointment.Status.CANCELLED)
        # QuerySet.update sends no signal, so a change made that way must say so itself.
        slot_cache.availability_changed()
        assert TUESDAY_9 in shown(topic)
