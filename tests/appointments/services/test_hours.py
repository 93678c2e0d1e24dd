"""Weekly hours, extra hours, absences and closures: the checks, the free times they change at once,
and the booked appointments they report instead of cancelling."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import translation

from appointments.exceptions import ApplicationError
from appointments.models import Absence, Appointment, AvailabilityRule, ExtraHours, OfficeClosure
from appointments.services.availability import free_slots
from appointments.services.hours import (
    absences_with_appointments,
    add_absence,
    add_closure,
    add_extra_hours,
    add_weekly_hours,
    change_weekly_hours,
    closures_with_appointments,
    public_holidays,
    remove_absence,
    remove_closure,
    remove_extra_hours,
    remove_weekly_hours,
)
from tests.factories import AvailabilityRuleFactory, CaseworkerFactory
from tests.scenario import SATURDAY, TUESDAY, at, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def starts_on(topic, day: date) -> list[datetime]:
    return [slot.start for slot in free_slots(topic=topic, date_from=day, date_to=day)]


class TestWeeklyHours:
    def test_added_hours_are_offered_at_once(self, topic, caseworker):
        assert starts_on(topic, SATURDAY) == []

        rule = add_weekly_hours(
            caseworker=caseworker, weekday=5, start_time=time(10), end_time=time(11), modes=["telephone"]
        )

        assert rule.caseworker == caseworker
        assert starts_on(topic, SATURDAY) == [
            at(SATURDAY, "10:00"),
            at(SATURDAY, "10:15"),
            at(SATURDAY, "10:30"),
        ]

    def test_removed_hours_are_no_longer_offered(self, topic, caseworker):
        remove_weekly_hours(AvailabilityRule.objects.get(caseworker=caseworker, weekday=1))

        assert starts_on(topic, TUESDAY) == []
        assert starts_on(topic, TUESDAY + timedelta(days=1))  # Wednesday keeps its hours

    def test_changed_hours_move_the_free_times(self, topic, caseworker):
        rule = AvailabilityRule.objects.get(caseworker=caseworker, weekday=1)

        change_weekly_hours(rule=rule, weekday=1, start_time=time(13), end_time=time(14), modes=["video"])

        assert starts_on(topic, TUESDAY) == [
            at(TUESDAY, "13:00"),
            at(TUESDAY, "13:15"),
            at(TUESDAY, "13:30"),
        ]

    def test_a_rule_may_be_changed_without_overlapping_itself(self, caseworker):
        rule = AvailabilityRule.objects.get(caseworker=caseworker, weekday=1)

        change_weekly_hours(rule=rule, weekday=1, start_time=time(9), end_time=time(13), modes=["video"])

        rule.refresh_from_db()
        assert rule.end_time == time(13)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"start_time": time(12), "end_time": time(9)}, "end_time"),
            ({"start_time": time(9), "end_time": time(9)}, "end_time"),
            ({"modes": ["fax"]}, "modes"),
            ({"modes": []}, "modes"),
            ({"weekday": 7}, "weekday"),
            ({"valid_from": date(2027, 1, 10), "valid_until": date(2027, 1, 1)}, "valid_until"),
        ],
    )
    def test_invalid_hours_are_refused_and_nothing_is_written(self, caseworker, fields, field):
        given = {"weekday": 5, "start_time": time(9), "end_time": time(12), "modes": ["video"]} | fields

        with pytest.raises(ApplicationError) as refused:
            add_weekly_hours(caseworker=caseworker, **given)

        assert refused.value.field == field
        assert not AvailabilityRule.objects.filter(caseworker=caseworker, weekday=given["weekday"]).exists()

    def test_overlapping_hours_on_the_same_weekday_are_refused(self, caseworker):
        with pytest.raises(ApplicationError, match="überschneiden"):
            add_weekly_hours(
                caseworker=caseworker, weekday=0, start_time=time(11), end_time=time(13), modes=["video"]
            )
        assert AvailabilityRule.objects.filter(caseworker=caseworker, weekday=0).count() == 1

    def test_changing_into_an_overlap_is_refused(self, caseworker):
        afternoon = add_weekly_hours(
            caseworker=caseworker, weekday=0, start_time=time(13), end_time=time(15), modes=["video"]
        )

        with pytest.raises(ApplicationError, match="überschneiden"):
            change_weekly_hours(
                rule=afternoon, weekday=0, start_time=time(11), end_time=time(15), modes=["video"]
            )
        afternoon.refresh_from_db()
        assert afternoon.start_time == time(13)

    def test_adjacent_hours_and_other_validity_periods_do_not_overlap(self, caseworker):
        AvailabilityRule.objects.filter(caseworker=caseworker, weekday=0).update(
            valid_until=date(2026, 12, 31)
        )

        add_weekly_hours(
            caseworker=caseworker,
            weekday=0,
            start_time=time(12),
            end_time=time(13),
            modes=["video"],
            valid_until=date(2026, 12, 31),
        )
        add_weekly_hours(
            caseworker=caseworker,
            weekday=0,
            start_time=time(8),
            end_time=time(16),
            modes=["video"],
            valid_from=date(2027, 1, 1),
        )
        with pytest.raises(ApplicationError, match="überschneiden"):
            add_weekly_hours(
                caseworker=caseworker,
                weekday=0,
                start_time=time(10),
                end_time=time(11),
                modes=["video"],
                valid_from=date(2026, 12, 20),
                valid_until=date(2027, 1, 5),
            )
        assert AvailabilityRule.objects.filter(caseworker=caseworker, weekday=0).count() == 3

    def test_other_caseworkers_hours_do_not_count_as_overlap(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        AvailabilityRuleFactory(caseworker=colleague, weekday=5, start_time=time(9), end_time=time(12))

        add_weekly_hours(
            caseworker=caseworker, weekday=5, start_time=time(9), end_time=time(12), modes=["video"]
        )

        assert AvailabilityRule.objects.filter(weekday=5).count() == 2


class TestExtraHours:
    def test_extra_hours_add_free_times(self, topic, caseworker):
        add_extra_hours(
            caseworker=caseworker, day=SATURDAY, start_time=time(9), end_time=time(10), modes=["video"]
        )

        assert starts_on(topic, SATURDAY) == [
            at(SATURDAY, "09:00"),
            at(SATURDAY, "09:15"),
            at(SATURDAY, "09:30"),
        ]

    def test_removed_extra_hours_are_gone(self, topic, caseworker):
        extra = add_extra_hours(
            caseworker=caseworker, day=SATURDAY, start_time=time(9), end_time=time(10), modes=["video"]
        )

        remove_extra_hours(extra)

        assert starts_on(topic, SATURDAY) == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"start_time": time(10), "end_time": time(9)}, "end_time"),
            ({"day": date(2026, 11, 29)}, "date"),
            ({"modes": ["carrier_pigeon"]}, "modes"),
        ],
    )
    def test_invalid_extra_hours_are_refused(self, caseworker, fields, field):
        given = {"day": SATURDAY, "start_time": time(9), "end_time": time(10), "modes": ["video"]} | fields

        with pytest.raises(ApplicationError) as refused:
            add_extra_hours(caseworker=caseworker, **given)

        assert refused.value.field == field
        assert not ExtraHours.objects.exists()

    def test_overlapping_extra_hours_are_refused(self, caseworker):
        add_extra_hours(
            caseworker=caseworker, day=SATURDAY, start_time=time(9), end_time=time(10), modes=["video"]
        )

        with pytest.raises(ApplicationError, match="überschneiden"):
            add_extra_hours(
                caseworker=caseworker,
                day=SATURDAY,
                start_time=time(9, 30),
                end_time=time(11),
                modes=["video"],
            )
        assert ExtraHours.objects.count() == 1


class TestAbsences:
    def test_an_absence_removes_free_times_and_reports_booked_appointments(self, topic, caseworker):
        booked = book(topic, at(TUESDAY, "10:00"), caseworker=caseworker, by_staff=True).appointment
        before = starts_on(topic, TUESDAY)
        assert at(TUESDAY, "09:00") in before

        affected = add_absence(
            caseworker=caseworker,
            kind="sickness",
            start=at(TUESDAY, "00:00"),
            end=at(TUESDAY + timedelta(days=1), "00:00"),
        )

        assert starts_on(topic, TUESDAY) == []
        assert affected.appointments == [booked]
        booked.refresh_from_db()
        assert booked.status == Appointment.Status.BOOKED  # reported, never cancelled silently
        assert absences_with_appointments(caseworker) == [(affected.created, [booked])]

    def test_appointments_outside_the_absence_or_cancelled_are_not_reported(self, topic, caseworker):
        book(topic, at(TUESDAY, "11:00"), caseworker=caseworker, by_staff=True)
        cancelled = book(topic, at(TUESDAY, "09:00"), caseworker=caseworker, by_staff=True).appointment
        Appointment.objects.filter(pk=cancelled.pk).update(status=Appointment.Status.CANCELLED)

        affected = add_absence(
            caseworker=caseworker, kind="training", start=at(TUESDAY, "08:00"), end=at(TUESDAY, "11:00")
        )

        assert affected.appointments == []
        # Only the part of the morning before 11:00 (and the buffer-free 11:00 start) is gone.
        assert starts_on(topic, TUESDAY) == [at(TUESDAY, "11:30")]

    def test_removing_the_absence_gives_the_times_back(self, topic, caseworker):
        affected = add_absence(
            caseworker=caseworker, kind="holiday", start=at(TUESDAY, "00:00"), end=at(TUESDAY, "23:00")
        )

        remove_absence(affected.created)

        assert len(starts_on(topic, TUESDAY)) == 11

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"end": at(TUESDAY, "08:00")}, "end"),
            ({"end": at(TUESDAY, "09:00")}, "end"),
            ({"start": at(date(2026, 11, 20), "09:00"), "end": at(date(2026, 11, 21), "09:00")}, "end"),
            ({"kind": "party"}, "kind"),
        ],
    )
    def test_invalid_absences_are_refused(self, caseworker, fields, field):
        given = {"kind": "holiday", "start": at(TUESDAY, "09:00"), "end": at(TUESDAY, "12:00")} | fields

        with pytest.raises(ApplicationError) as refused:
            add_absence(caseworker=caseworker, **given)

        assert refused.value.field == field
        assert not Absence.objects.exists()


class TestClosures:
    def test_a_closure_removes_the_day_and_reports_booked_appointments_of_the_office(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        AvailabilityRuleFactory(caseworker=colleague, weekday=1, start_time=time(14), end_time=time(15))
        mine = book(topic, at(TUESDAY, "09:00"), caseworker=caseworker, by_staff=True).appointment
        theirs = book(topic, at(TUESDAY, "14:00"), caseworker=colleague, by_staff=True).appointment
        # The next day stays.
        book(topic, at(TUESDAY + timedelta(days=1), "09:00"), caseworker=caseworker, by_staff=True)

        affected = add_closure(office=topic.office, day=TUESDAY, reason="Betriebsausflug")

        assert starts_on(topic, TUESDAY) == []
        assert affected.appointments == [mine, theirs]
        assert closures_with_appointments(topic.office) == [(affected.created, [mine, theirs])]
        assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 3

    def test_removing_a_closure_opens_the_day_again(self, topic, caseworker):
        affected = add_closure(office=topic.office, day=TUESDAY)

        remove_closure(affected.created)

        assert len(starts_on(topic, TUESDAY)) == 11

    def test_a_day_can_be_closed_only_once_and_not_in_the_past(self, office):
        add_closure(office=office, day=TUESDAY)

        with pytest.raises(ApplicationError, match="bereits geschlossen"):
            add_closure(office=office, day=TUESDAY)
        with pytest.raises(ApplicationError) as refused:
            add_closure(office=office, day=date(2026, 11, 29))
        assert refused.value.field == "date"
        assert OfficeClosure.objects.count() == 1


def test_errors_are_in_the_active_language(caseworker):
    with translation.override("de"), pytest.raises(ApplicationError) as refused:
        add_weekly_hours(
            caseworker=caseworker, weekday=5, start_time=time(9), end_time=time(12), modes=["fax"]
        )

    assert str(refused.value.message).startswith("Wählen Sie eines oder mehrere von")


def test_public_holidays_of_the_offices_state(office):
    office.state = "BY"

    found = dict(public_holidays(office, date(2026, 12, 1), date(2027, 1, 31)))

    assert found[date(2026, 12, 25)] == "Erster Weihnachtstag"
    assert date(2027, 1, 6) in found  # Heilige Drei Könige: Bavaria, not Hesse
    assert date(2026, 11, 30) not in found
    assert (
        dict(public_holidays(office, date(2026, 12, 25), date(2026, 12, 25), "en"))[date(2026, 12, 25)]
        == "Christmas Day"
    )


def test_reported_appointments_leave_out_ones_that_have_ended(topic, caseworker, time_machine):
    booked = book(topic, at(TUESDAY, "09:00"), caseworker=caseworker, by_staff=True).appointment
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False)  # 10:00 in Berlin

    affected = add_absence(
        caseworker=caseworker, kind="sickness", start=at(TUESDAY, "00:00"), end=at(TUESDAY, "23:00")
    )

    assert booked.end <= datetime.now(UTC)
    assert affected.appointments == []
