"""The VTIMEZONE we write gives every reader the zone's own offsets, all year, north and south."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Event

from appointments.services.vtimezone import vtimezone
from tests.icaljs import read_with_icaljs

# Our offices' zone, a zone without summer time, one where summer is in January, one changing on
# the second Sunday: each exercises another branch of the rule.
ZONES = ("Europe/Berlin", "Europe/Istanbul", "Australia/Sydney", "America/New_York")
# Noon on the 1st of every month, and the hours either side of Berlin's changes in 2027.
MOMENTS = [datetime(2027, month, 1, 12) for month in range(1, 13)] + [
    datetime(2027, 3, 28, 1, 30),
    datetime(2027, 3, 28, 3, 30),
    datetime(2027, 10, 31, 1, 30),
    datetime(2027, 10, 31, 4, 0),
]


def calendar_of(key: str) -> bytes:
    zone = ZoneInfo(key)
    calendar = Calendar()
    calendar.add("prodid", "-//test//")
    calendar.add("version", "2.0")
    calendar.add_component(vtimezone(key, around=MOMENTS[0].date()))
    for index, moment in enumerate(MOMENTS):
        event = Event()
        event.add("uid", f"{index}@test")
        event.add("dtstamp", datetime(2027, 1, 1, tzinfo=UTC))
        event.add("dtstart", moment.replace(tzinfo=zone))
        event.add("dtend", datetime.combine(moment.date(), time(23, 0), tzinfo=zone))
        calendar.add_component(event)
    return calendar.to_ical()


@pytest.mark.parametrize("key", ZONES)
def test_vobject_and_icaljs_read_the_zones_offsets(key):
    ics = calendar_of(key)
    expected = [moment.replace(tzinfo=ZoneInfo(key)).astimezone(UTC) for moment in MOMENTS]

    # vobject builds its tzinfo from our VTIMEZONE (not from its own database), so this checks it.
    parsed = vobject.readOne(ics.decode())
    assert [event.dtstart.value.astimezone(UTC) for event in parsed.vevent_list] == expected
    mozilla = read_with_icaljs(ics)
    assert [event["start_utc"] for event in mozilla["events"]] == [
        moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") for moment in expected
    ]
    assert {event["tzid"] for event in mozilla["events"]} == {key}


def test_berlin_is_written_as_outlook_writes_it():
    text = vtimezone("Europe/Berlin", around=MOMENTS[0].date()).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert "DTSTART:19700329T020000" in text
    assert "DTSTART:19701025T030000" in text
    assert "TZNAME:CEST" in text
    assert "RDATE" not in text


def test_a_zone_without_summer_time_has_one_observance():
    zone = vtimezone("Europe/Istanbul", around=MOMENTS[0].date())
    assert [component.name for component in zone.subcomponents] == ["STANDARD"]
    assert zone.subcomponents[0]["TZNAME"] == "+03"
