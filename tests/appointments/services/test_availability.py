"""free_slots and check_start: hours, absences, holidays, buffers, policy, DST, query counts."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from appointments.models import Appointment
from appointments.services.availability import check_start, free_slots
from tests.factories import (
    AbsenceFactory,
    AvailabilityRuleFactory,
    CaseworkerFactory,
    ClientFactory,
    ExtraHoursFactory,
    OfficeFactory,
    TopicFactory,
    week_of_hours,
)
from tests.scenario import BERLIN, TUESDAY, at

pytestmark = pytest.mark.django_db


def starts(slots) -> list[datetime]:
    return [slot.start for slot in slots]


def book_directly(caseworker, topic, start, status=Appointment.Status.BOOKED):
    """An appointment written straight to the table, to set the scene for availability."""
    return Appointment.objects.create(
        reference=f"T{Appointment.objects.count():07d}",
        manage_token_hash="x",
        client=ClientFactory(),
        caseworker=caseworker,
        topic=topic,
        mode="video",
        start=start,
        end=start + topic.duration,
        blocked_from=start - topic.buffer_before,
        blocked_until=start + topic.duration + topic.buffer_after,
        status=status,
    )


@pytest.mark.usefixtures("now", "caseworker")
class TestWeeklyHours:
    def test_offers_every_step_inside_the_hours_earliest_first(self, topic):
        slots = free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
        # 09:00–12:00, 30 minutes, every 15 minutes: 09:00 … 11:30.
        assert starts(slots) == [at(TUESDAY, "09:00") + timedelta(minutes=15 * i) for i in range(11)]
        # Compared in UTC: Python subtracts datetimes of one zone by wall clock.
        assert all(
            slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(minutes=30) for slot in slots
        )
        assert slots[0].modes == ("telephone", "video")
        assert slots[0].start.utcoffset() == timedelta(hours=1)

    def test_no_slots_on_days_without_hours(self, topic):
        saturday = date(2026, 12, 5)
        assert free_slots(topic=topic, date_from=saturday, date_to=date(2026, 12, 6)) == []

    def test_minimum_notice_hides_times_too_soon(self, topic, time_machine):
        time_machine.move_to(at(TUESDAY, "08:50"), tick=False)
        slots = free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
        assert slots[0].start == at(TUESDAY, "11:00")

    def test_horizon_ends_the_offer(self, topic):
        topic.office.horizon_days = 3
        topic.office.save()
        slots = free_slots(topic=topic, date_from=date(2026, 11, 30), date_to=date(2026, 12, 11))
        assert {slot.start.date() for slot in slots} == {
            date(2026, 11, 30),
            date(2026, 12, 1),
            TUESDAY + timedelta(1),
            TUESDAY + timedelta(2),
        }

    def test_rules_respect_their_validity(self, topic, caseworker):
        caseworker.availability_rules.filter(weekday=1).update(valid_until=date(2026, 11, 30))
        AvailabilityRuleFactory(
            caseworker=caseworker,
            weekday=1,
            start_time=time(14),
            end_time=time(15),
            valid_from=date(2026, 12, 8),
        )
        assert free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY) == []
        later = free_slots(topic=topic, date_from=date(2026, 12, 8), date_to=date(2026, 12, 8))
        assert starts(later) == [
            at(date(2026, 12, 8), "14:00"),
            at(date(2026, 12, 8), "14:15"),
            at(date(2026, 12, 8), "14:30"),
        ]

    def test_extra_hours_add_times(self, topic, caseworker):
        saturday = date(2026, 12, 5)
        ExtraHoursFactory(caseworker=caseworker, date=saturday, start_time=time(10), end_time=time(11))
        assert starts(free_slots(topic=topic, date_from=saturday, date_to=saturday)) == [
            at(saturday, "10:00"),
            at(saturday, "10:15"),
            at(saturday, "10:30"),
        ]

    def test_inactive_topic_offers_nothing(self, topic):
        topic.active = False
        topic.save()
        assert free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY) == []


@pytest.mark.usefixtures("now")
class TestModesAndLanguages:
    def test_mode_filter_uses_the_hours_modes(self, topic):
        phone_only = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(phone_only, modes=("telephone",))
        assert free_slots(topic=topic, mode="video", date_from=TUESDAY, date_to=TUESDAY) == []
        slots = free_slots(topic=topic, mode="telephone", date_from=TUESDAY, date_to=TUESDAY)
        assert len(slots) == 11
        assert slots[0].modes == ("telephone",)

    def test_modes_not_offered_by_the_topic_are_never_shown(self, office):
        topic = TopicFactory(office=office, modes=["telephone"])
        worker = CaseworkerFactory(office=office, topics=[topic])
        week_of_hours(worker)
        slots = free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
        assert {slot.modes for slot in slots} == {("telephone",)}
        assert free_slots(topic=topic, mode="video", date_from=TUESDAY, date_to=TUESDAY) == []

    def test_modes_are_merged_across_caseworkers(self, topic):
        video = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(video, modes=("video",))
        phone = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(phone, start=time(11), end=time(13), modes=("telephone",))
        slots = {
            slot.start: slot.modes for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
        }
        assert slots[at(TUESDAY, "09:00")] == ("video",)
        assert slots[at(TUESDAY, "11:00")] == ("telephone", "video")
        assert slots[at(TUESDAY, "12:00")] == ("telephone",)

    def test_language_filter_needs_a_caseworker_who_speaks_it(self, topic, caseworker):
        assert free_slots(topic=topic, language="ar", date_from=TUESDAY, date_to=TUESDAY) == []
        arabic = CaseworkerFactory(office=topic.office, topics=[topic], languages=["de", "ar"])
        week_of_hours(arabic, start=time(14), end=time(15))
        slots = free_slots(topic=topic, language="ar", date_from=TUESDAY, date_to=TUESDAY)
        assert starts(slots) == [at(TUESDAY, "14:00"), at(TUESDAY, "14:15"), at(TUESDAY, "14:30")]

    def test_caseworkers_without_the_topic_or_inactive_are_ignored(self, topic):
        other_topic = TopicFactory(office=topic.office)
        week_of_hours(CaseworkerFactory(office=topic.office, topics=[other_topic]))
        inactive = CaseworkerFactory(office=topic.office, topics=[topic], active=False)
        week_of_hours(inactive)
        assert free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY) == []


@pytest.mark.usefixtures("now")
class TestBusyTimes:
    def test_absence_removes_the_times_it_covers(self, topic, caseworker):
        AbsenceFactory(caseworker=caseworker, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "11:00"))
        assert starts(free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)) == [
            at(TUESDAY, "09:00"),
            at(TUESDAY, "09:15"),
            at(TUESDAY, "09:30"),
            at(TUESDAY, "11:00"),
            at(TUESDAY, "11:15"),
            at(TUESDAY, "11:30"),
        ]

    def test_week_long_holiday_removes_every_day(self, topic, caseworker):
        AbsenceFactory(caseworker=caseworker, start=at(TUESDAY, "00:00"), end=at(date(2026, 12, 5), "00:00"))
        slots = free_slots(topic=topic, date_from=TUESDAY, date_to=date(2026, 12, 7))
        assert {slot.start.date() for slot in slots} == {date(2026, 12, 7)}

    def test_appointment_blocks_its_time_and_its_buffers(self, office, caseworker):
        padded = TopicFactory(
            office=office, buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=15)
        )
        caseworker.topics.add(padded)
        book_directly(caseworker, padded, at(TUESDAY, "10:00"))  # blocks 09:45–10:45
        offered = starts(free_slots(topic=padded, date_from=TUESDAY, date_to=TUESDAY))
        # A padded 30-minute slot blocks 15 minutes either side: 09:00 (08:45–09:45) fits, 09:15 does not.
        assert offered == [
            at(TUESDAY, "09:00"),
            at(TUESDAY, "11:00"),
            at(TUESDAY, "11:15"),
            at(TUESDAY, "11:30"),
        ]

    def test_other_topics_appointments_block_too(self, office, topic, caseworker):
        long_topic = TopicFactory(office=office, duration=timedelta(minutes=45))
        caseworker.topics.add(long_topic)
        book_directly(caseworker, long_topic, at(TUESDAY, "10:15"))  # 10:15–11:00
        offered = starts(free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY))
        assert at(TUESDAY, "09:45") in offered
        assert at(TUESDAY, "10:00") not in offered
        assert at(TUESDAY, "10:45") not in offered
        assert at(TUESDAY, "11:00") in offered

    def test_cancelled_appointment_frees_its_time(self, topic, caseworker):
        book_directly(caseworker, topic, at(TUESDAY, "09:00"), status=Appointment.Status.CANCELLED)
        assert at(TUESDAY, "09:00") in starts(free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY))

    def test_a_busy_caseworker_leaves_the_time_to_a_free_colleague(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(colleague)
        book_directly(caseworker, topic, at(TUESDAY, "09:00"))
        assert at(TUESDAY, "09:00") in starts(free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY))
        check = check_start(topic=topic, mode="video", start=at(TUESDAY, "09:00"))
        assert check.offered == sorted([caseworker.pk, colleague.pk])
        assert check.free == [colleague.pk]


class TestHolidaysAndClosures:
    def test_public_holidays_of_the_office_state(self, time_machine):
        # Corpus Christi (27 May 2027) is a holiday in Hessen but not in Berlin.
        time_machine.move_to(datetime(2027, 5, 20, 6, tzinfo=UTC), tick=False)
        corpus_christi = date(2027, 5, 27)
        for state, expected in (("HE", 0), ("BE", 11)):
            office = OfficeFactory(state=state)
            topic = TopicFactory(office=office)
            week_of_hours(CaseworkerFactory(office=office, topics=[topic]))
            assert len(free_slots(topic=topic, date_from=corpus_christi, date_to=corpus_christi)) == expected

    @pytest.mark.usefixtures("now", "caseworker")
    def test_national_holiday(self, topic, time_machine):
        christmas = date(2026, 12, 25)
        assert free_slots(topic=topic, date_from=christmas, date_to=christmas) == []

    @pytest.mark.usefixtures("now", "caseworker")
    def test_office_closure(self, topic):
        topic.office.closures.create(date=TUESDAY, reason="Betriebsausflug")
        assert free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY) == []
        assert free_slots(topic=topic, date_from=TUESDAY + timedelta(1), date_to=TUESDAY + timedelta(1))


class TestDaylightSavingTime:
    """Europe/Berlin: clocks go forward on 28 March 2027 and back on 31 October 2027."""

    def _sunday_and_monday_hours(self, time_machine, travel_to):
        time_machine.move_to(travel_to, tick=False)
        office = OfficeFactory()
        topic = TopicFactory(office=office)
        worker = CaseworkerFactory(office=office, topics=[topic])
        week_of_hours(worker, start=time(9), end=time(10), weekdays=[0, 1, 3, 4])
        AvailabilityRuleFactory(caseworker=worker, weekday=6, start_time=time(1), end_time=time(4))
        return topic

    def test_spring_forward_keeps_local_times(self, time_machine):
        topic = self._sunday_and_monday_hours(time_machine, datetime(2027, 3, 20, 6, tzinfo=UTC))
        # The clocks change on Easter Sunday 2027: Good Friday and Easter Monday are holidays.
        thursday, sunday, tuesday = date(2027, 3, 25), date(2027, 3, 28), date(2027, 3, 30)
        slots = free_slots(topic=topic, date_from=thursday, date_to=tuesday)
        by_day = {}
        for slot in slots:
            by_day.setdefault(slot.start.date(), []).append(slot.start)
        assert set(by_day) == {thursday, sunday, tuesday}
        assert by_day[thursday][0].astimezone(UTC) == datetime(2027, 3, 25, 8, tzinfo=UTC)
        assert by_day[tuesday][0].astimezone(UTC) == datetime(2027, 3, 30, 7, tzinfo=UTC)
        assert [s.strftime("%H:%M") for s in by_day[tuesday]] == ["09:00", "09:15", "09:30"]
        # 01:00–04:00 on the night the clock jumps is two real hours; 02:xx does not exist.
        assert [s.strftime("%H:%M%z") for s in by_day[sunday]] == [
            "01:00+0100", "01:15+0100", "01:30+0100", "01:45+0100", "03:00+0200", "03:15+0200", "03:30+0200",
        ]  # fmt: skip
        # Compared in UTC: Python subtracts datetimes of one zone by wall clock.
        assert all(
            slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(minutes=30) for slot in slots
        )

    def test_fall_back_keeps_local_times(self, time_machine):
        topic = self._sunday_and_monday_hours(time_machine, datetime(2027, 10, 25, 6, tzinfo=UTC))
        friday, sunday, monday = date(2027, 10, 29), date(2027, 10, 31), date(2027, 11, 1)
        slots = free_slots(topic=topic, date_from=friday, date_to=monday)
        by_day = {}
        for slot in slots:
            by_day.setdefault(slot.start.date(), []).append(slot.start)
        assert by_day[friday][0].astimezone(UTC) == datetime(2027, 10, 29, 7, tzinfo=UTC)
        assert by_day[monday][0].astimezone(UTC) == datetime(2027, 11, 1, 8, tzinfo=UTC)
        # 01:00–04:00 on the night the clock goes back is four real hours; 02:xx comes twice.
        sunday_starts = [s.strftime("%H:%M%z") for s in by_day[sunday]]
        assert len(sunday_starts) == 15
        assert sunday_starts.count("02:00+0200") == 1
        assert sunday_starts.count("02:00+0100") == 1
        assert sunday_starts[-1] == "03:30+0100"

    def test_booking_across_the_change_checks_real_overlap(self, time_machine):
        topic = self._sunday_and_monday_hours(time_machine, datetime(2027, 10, 25, 6, tzinfo=UTC))
        worker = topic.caseworkers.get()
        first = datetime(2027, 10, 31, 2, 45, tzinfo=BERLIN)  # fold=0: 02:45 summer time
        book_directly(worker, topic, first)
        offered = starts(free_slots(topic=topic, date_from=date(2027, 10, 31), date_to=date(2027, 10, 31)))
        assert all(abs((start - first).total_seconds()) >= 30 * 60 for start in offered)


@pytest.mark.usefixtures("now")
class TestQueryCount:
    @pytest.mark.parametrize("count", [1, 50])
    def test_queries_do_not_grow_with_caseworkers(self, count, topic, django_assert_num_queries):
        for n in range(count):
            worker = CaseworkerFactory(office=topic.office, topics=[topic])
            week_of_hours(worker)
            AbsenceFactory(caseworker=worker, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:00"))
            ExtraHoursFactory(caseworker=worker, date=date(2026, 12, 5))
            book_directly(worker, topic, at(date(2026, 12, 2), time(9 + n % 3)))
        topic = type(topic).objects.select_related("office").get(pk=topic.pk)
        with django_assert_num_queries(4):
            slots = free_slots(topic=topic, language="de", date_from=TUESDAY, date_to=date(2026, 12, 14))
        assert slots


@pytest.mark.usefixtures("now", "caseworker")
class TestCheckStart:
    def test_every_slot_shown_is_bookable(self, topic):
        for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY):
            check = check_start(topic=topic, mode="video", start=slot.start)
            assert check.free, slot

    @pytest.mark.parametrize(
        "start",
        [
            at(TUESDAY, "09:05"),  # off the 15-minute grid
            at(TUESDAY, "11:45"),  # would end after the hours
            at(TUESDAY, "08:45"),  # before the hours
            at(date(2026, 11, 30), "08:00"),  # inside the minimum notice
            at(date(2027, 2, 1), "09:00"),  # beyond the horizon
        ],
    )
    def test_times_outside_the_offer_are_not_offered(self, topic, start):
        assert check_start(topic=topic, mode="video", start=start).offered == []

    def test_its_look_at_the_busy_times_around_one_start_agrees_with_the_day_s_slots(self, topic, caseworker):
        """check_start loads only the busy times that touch one start with its buffers; free_slots
        loads the whole day and one on each side. Both must find the same times free."""
        topic.buffer_before, topic.buffer_after = timedelta(minutes=10), timedelta(minutes=5)
        topic.save(update_fields=["buffer_before", "buffer_after"])
        AbsenceFactory(caseworker=caseworker, start=at(date(2026, 11, 30), "22:00"), end=at(TUESDAY, "09:25"))
        book_directly(caseworker, topic, at(TUESDAY, "10:30"))  # blocked 10:20 to 11:05
        AbsenceFactory(caseworker=caseworker, start=at(TUESDAY, "11:48"), end=at(TUESDAY, "12:30"))
        shown = {slot.start for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)}
        grid = [at(TUESDAY, "09:00") + timedelta(minutes=15 * step) for step in range(11)]
        assert {start for start in grid if check_start(topic=topic, mode="video", start=start).free} == shown
        # 09:30 and 11:15 are kept only by their buffers; 09:45 ends its buffer as 10:20 blocks.
        assert shown == {at(TUESDAY, "09:45")}
