"""My availability and the office closures: who may change what, POST/redirect/GET, errors, free times."""

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from appointments.models import Absence, AvailabilityRule, ExtraHours, OfficeClosure
from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import (
    AbsenceFactory,
    CaseworkerFactory,
    ExtraHoursFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
)
from tests.scenario import ENGLISH, SATURDAY, TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PAGE = "/fachkraft/verfuegbarkeit/"
CLOSURES = "/fachkraft/schliesstage/"


def starts_on(topic, day: date) -> list[datetime]:
    return [slot.start for slot in free_slots(topic=topic, date_from=day, date_to=day)]


def rule_data(**fields) -> dict:
    data = {
        "action": "rule",
        "rule-weekday": "5",
        "rule-start_time": "10:00",
        "rule-end_time": "11:00",
        "rule-modes": ["telephone", "video"],
    }
    return data | {f"rule-{name}": value for name, value in fields.items()}


def absence_data(**fields) -> dict:
    data = {
        "action": "absence",
        "absence-kind": "holiday",
        "absence-start": "2026-12-01",
        "absence-end": "2026-12-01",
    }
    return data | {f"absence-{name}": value for name, value in fields.items()}


def extra_data(**fields) -> dict:
    data = {
        "action": "extra",
        "extra-date": "2026-12-05",
        "extra-start_time": "09:00",
        "extra-end_time": "10:00",
        "extra-modes": ["video"],
    }
    return data | {f"extra-{name}": value for name, value in fields.items()}


@pytest.fixture
def coordinator(office):
    return CaseworkerFactory(office=office, is_coordinator=True)


def test_login_is_required(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_page_shows_hours_absences_extra_hours_and_the_next_free_times(client, caseworker):
    ExtraHoursFactory(caseworker=caseworker, date=SATURDAY, start_time=time(14), end_time=time(15))
    AbsenceFactory(
        caseworker=caseworker, start=at(date(2026, 12, 7), "00:00"), end=at(date(2026, 12, 9), "00:00")
    )
    client.force_login(caseworker.user)

    page = client.get(PAGE, headers=ENGLISH)

    assert page.status_code == 200
    assert "My availability" in page.text
    assert page.text.count('action="/fachkraft/verfuegbarkeit/wochenzeiten/') == 5  # Monday to Friday
    monday = page.text.split('<th scope="row">Monday</th>')[1].split("</tr>")[0]
    hours = '<td><bdi dir="ltr" class="ltr">09:00</bdi></td>\n<td><bdi dir="ltr" class="ltr">12:00</bdi></td>'
    assert f"{hours}\n<td>Telephone, Video</td>\n<td>always</td>" in monday
    assert "Sat, 5.12.2026" in page.text
    assert "14:00–15:00" in page.text
    assert "Holiday" in page.text
    assert "Mon, 7.12.2026 – Tue, 8.12.2026" in page.text
    # The first start after the two hours' notice: Monday 09:00 (now is 07:00 in Berlin).
    assert 'data-slot="2026-11-30T09:00:00+01:00"' in page.text
    assert page.text.count("data-slot=") == 10
    assert 'type="time"' in page.text
    assert 'type="date"' in page.text
    assert 'aria-current="page"' in page.text


def test_caseworker_adds_weekly_hours_with_post_redirect_get(client, topic, caseworker):
    client.force_login(caseworker.user)
    assert starts_on(topic, SATURDAY) == []

    response = client.post(PAGE, rule_data(), headers=ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    rule = AvailabilityRule.objects.get(caseworker=caseworker, weekday=5)
    assert (rule.start_time, rule.end_time, rule.modes) == (time(10), time(11), ["telephone", "video"])
    assert starts_on(topic, SATURDAY)[0] == at(SATURDAY, "10:00")
    page = client.get(PAGE, headers=ENGLISH)
    assert "Weekly hours added." in page.text
    assert 'data-slot="2026-12-05T10:00:00+01:00"' not in page.text  # further than the first ten


def test_caseworker_changes_weekly_hours(client, topic, caseworker):
    rule = AvailabilityRule.objects.get(caseworker=caseworker, weekday=0)
    client.force_login(caseworker.user)

    form = client.get(f"{PAGE}?aendern={rule.pk}", headers=ENGLISH)
    assert "Change weekly hours" in form.text
    assert f'name="rule" value="{rule.pk}"' in form.text
    response = client.post(
        PAGE, rule_data(weekday="0", start_time="13:00", end_time="14:00") | {"rule": rule.pk}
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.start_time, rule.end_time) == (time(13), time(14))
    assert AvailabilityRule.objects.filter(caseworker=caseworker, weekday=0).count() == 1
    assert starts_on(topic, date(2026, 12, 7))[0] == at(date(2026, 12, 7), "13:00")


def test_caseworker_removes_own_entries(client, topic, caseworker):
    extra = ExtraHoursFactory(caseworker=caseworker, date=SATURDAY)
    absence = AbsenceFactory(caseworker=caseworker, start=at(TUESDAY, "00:00"), end=at(TUESDAY, "23:00"))
    rule = AvailabilityRule.objects.get(caseworker=caseworker, weekday=2)
    client.force_login(caseworker.user)

    for kind, entry in (("wochenzeiten", rule), ("zusatzzeiten", extra), ("abwesenheiten", absence)):
        response = client.post(f"{PAGE}{kind}/{entry.pk}/entfernen/")
        assert response.status_code == 302
        assert response["Location"] == PAGE

    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()
    assert not ExtraHours.objects.exists()
    assert not Absence.objects.exists()
    assert starts_on(topic, TUESDAY)  # the absence is gone
    assert starts_on(topic, date(2026, 12, 2)) == []  # so are Wednesday's hours


def test_removing_needs_post(client, caseworker):
    rule = caseworker.availability_rules.first()
    client.force_login(caseworker.user)

    assert client.get(f"{PAGE}wochenzeiten/{rule.pk}/entfernen/").status_code == 405
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_adding_an_absence_removes_free_times_and_lists_booked_appointments(client, topic, caseworker):
    booked = book_appointment(
        topic=topic,
        mode="video",
        start=at(TUESDAY, "10:00"),
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        caseworker=caseworker,
        booked_by=UserFactory(),
    ).appointment
    assert at(TUESDAY, "09:00") in starts_on(topic, TUESDAY)
    client.force_login(caseworker.user)

    response = client.post(PAGE, absence_data(kind="sickness"), headers=ENGLISH)

    assert response.status_code == 302
    absence = Absence.objects.get(caseworker=caseworker)
    assert (absence.start, absence.end) == (at(TUESDAY, "00:00"), at(date(2026, 12, 2), "00:00"))
    assert starts_on(topic, TUESDAY) == []
    page = client.get(PAGE, headers=ENGLISH)
    assert "1 booked appointment falls into this absence. Please move or cancel it." in page.text
    assert f'href="/fachkraft/termin/{booked.pk}/" data-affected="{booked.reference}"' in page.text
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_an_absence_with_times_covers_only_those_hours(client, topic, caseworker):
    client.force_login(caseworker.user)

    client.post(PAGE, absence_data(start_time="09:00", end_time="11:00"))

    assert starts_on(topic, TUESDAY) == [at(TUESDAY, "11:00"), at(TUESDAY, "11:15"), at(TUESDAY, "11:30")]


def test_adding_extra_hours_adds_free_times(client, topic, caseworker):
    client.force_login(caseworker.user)
    assert starts_on(topic, SATURDAY) == []

    response = client.post(PAGE, extra_data())

    assert response.status_code == 302
    assert starts_on(topic, SATURDAY) == [at(SATURDAY, "09:00"), at(SATURDAY, "09:15"), at(SATURDAY, "09:30")]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (rule_data(start_time="11:00", end_time="10:00"), "The end must be after the start."),
        (
            rule_data(weekday="0", start_time="11:00", end_time="13:00"),
            "These hours overlap with other weekly hours on this weekday.",
        ),
        (rule_data(modes=["fax"]), "Please choose telephone, video or in person."),
        (rule_data(modes=[]), "Please choose at least one mode."),
        (rule_data(start_time="25:00"), "Please enter a valid time."),
        (extra_data(start_time="10:00", end_time="09:00"), "The end must be after the start."),
        (extra_data(date="2026-11-01"), "Please choose today or a later day."),
        (absence_data(start="2026-12-03", end="2026-12-01"), "The end must be after the start."),
        (absence_data(kind="party"), "Please choose a kind of absence."),
    ],
)
def test_invalid_input_shows_an_error_and_writes_nothing(client, caseworker, data, error):
    client.force_login(caseworker.user)
    rules = AvailabilityRule.objects.count()

    response = client.post(PAGE, data, headers=ENGLISH)

    assert response.status_code == 400
    assert error in response.text
    assert AvailabilityRule.objects.count() == rules
    assert not ExtraHours.objects.exists()
    assert not Absence.objects.exists()


def test_errors_come_in_the_language_of_the_page(client, caseworker):
    client.force_login(caseworker.user)
    with translation.override("de"):
        expected = translation.gettext("These hours overlap with other weekly hours on this weekday.")

    response = client.post(
        PAGE, rule_data(weekday="0", start_time="11:00", end_time="13:00"), headers={"accept-language": "de"}
    )

    assert response.status_code == 400
    assert 'lang="de"' in response.text
    assert expected in response.text


def test_a_plain_caseworker_cannot_manage_a_colleague(client, topic, caseworker):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    extra = ExtraHoursFactory(caseworker=colleague, date=SATURDAY)
    client.force_login(caseworker.user)

    assert client.get(f"{PAGE}?fachkraft={colleague.pk}").status_code == 404
    assert client.post(f"{PAGE}?fachkraft={colleague.pk}", rule_data()).status_code == 404
    assert client.post(f"{PAGE}zusatzzeiten/{extra.pk}/entfernen/").status_code == 404
    assert not AvailabilityRule.objects.filter(caseworker=colleague).exists()
    assert ExtraHours.objects.filter(pk=extra.pk).exists()


def test_a_coordinator_manages_colleagues_of_the_office(client, topic, caseworker, coordinator):
    extra = ExtraHoursFactory(caseworker=caseworker, date=SATURDAY)
    client.force_login(coordinator.user)

    page = client.get(f"{PAGE}?fachkraft={caseworker.pk}", headers=ENGLISH)
    assert page.status_code == 200
    assert f"Availability of {caseworker.display_name}" in page.text
    added = client.post(f"{PAGE}?fachkraft={caseworker.pk}", rule_data())
    removed = client.post(f"{PAGE}zusatzzeiten/{extra.pk}/entfernen/")

    assert added["Location"] == removed["Location"] == f"{PAGE}?fachkraft={caseworker.pk}"
    assert AvailabilityRule.objects.filter(caseworker=caseworker, weekday=5).exists()
    assert not AvailabilityRule.objects.filter(caseworker=coordinator).exists()
    assert not ExtraHours.objects.exists()


def test_a_coordinator_cannot_manage_another_office(client, coordinator):
    stranger = CaseworkerFactory(office=OfficeFactory())
    absence = AbsenceFactory(caseworker=stranger, start=at(TUESDAY, "00:00"), end=at(TUESDAY, "23:00"))
    client.force_login(coordinator.user)

    assert client.get(f"{PAGE}?fachkraft={stranger.pk}").status_code == 404
    assert client.post(f"{PAGE}?fachkraft={stranger.pk}", absence_data()).status_code == 404
    assert client.post(f"{PAGE}abwesenheiten/{absence.pk}/entfernen/").status_code == 404
    assert Absence.objects.filter(caseworker=stranger).count() == 1


def test_unknown_kinds_and_ids_are_not_found(client, caseworker):
    client.force_login(caseworker.user)

    assert client.post(f"{PAGE}urlaub/1/entfernen/").status_code == 404
    assert client.post(f"{PAGE}wochenzeiten/999999/entfernen/").status_code == 404
    assert client.get(f"{PAGE}?aendern=999999").status_code == 404
    assert client.post(PAGE, {"action": "other"}).status_code == 404


def test_closures_are_for_coordinators_only(client, caseworker):
    client.force_login(caseworker.user)

    assert client.get(CLOSURES).status_code == 404
    assert client.post(CLOSURES, {"date": "2026-12-01"}).status_code == 404
    assert not OfficeClosure.objects.exists()


def test_coordinator_adds_a_closure_and_sees_appointments_of_the_office_on_that_day(
    client, topic, caseworker, coordinator
):
    booked = book_appointment(
        topic=topic,
        mode="telephone",
        start=at(TUESDAY, "09:00"),
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        caseworker=caseworker,
        booked_by=UserFactory(),
    ).appointment
    client.force_login(coordinator.user)

    response = client.post(CLOSURES, {"date": "2026-12-01", "reason": "Betriebsausflug"}, headers=ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == CLOSURES
    assert OfficeClosure.objects.get().office == topic.office
    assert starts_on(topic, TUESDAY) == []
    warned = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 booked appointment falls on this day. Please move or cancel it." in warned
    page = client.get(CLOSURES, headers=ENGLISH)
    assert "Betriebsausflug" in page.text
    assert f'data-affected="{booked.reference}"' in page.text


def test_closure_errors_and_removal(client, office, coordinator):
    closure = OfficeClosure.objects.create(office=office, date=TUESDAY)
    other = OfficeClosure.objects.create(office=OfficeFactory(), date=TUESDAY)
    client.force_login(coordinator.user)

    twice = client.post(CLOSURES, {"date": "2026-12-01"}, headers=ENGLISH)
    past = client.post(CLOSURES, {"date": "2026-11-01"}, headers=ENGLISH)

    assert twice.status_code == past.status_code == 400
    assert "The office is already closed on this day." in twice.text
    assert "Please choose today or a later day." in past.text
    assert client.post(f"{CLOSURES}{other.pk}/entfernen/").status_code == 404
    assert client.post(f"{CLOSURES}{closure.pk}/entfernen/").status_code == 302
    assert list(OfficeClosure.objects.all()) == [other]


def test_closures_page_shows_the_public_holidays_of_the_state(client, coordinator):
    client.force_login(coordinator.user)

    page = client.get(CLOSURES)

    assert page.status_code == 200
    assert 'data-holiday="2026-12-25"' in page.text
    assert "Erster Weihnachtstag" in page.text
    assert 'data-holiday="2027-01-06"' not in page.text  # Hesse has no Epiphany holiday


def test_the_preview_shows_another_topic_of_the_caseworker(client, office, caseworker):
    second = TopicFactory(office=office, slug="weiterbildung", name="Weiterbildung", modes=["telephone"])
    caseworker.topics.add(second)
    client.force_login(caseworker.user)

    page = client.get(f"{PAGE}?thema=weiterbildung", headers=ENGLISH)

    assert '<option value="weiterbildung" selected>' in page.text
    assert 'data-slot="2026-11-30T09:00:00+01:00"' in page.text
    assert "Telephone" in page.text.split('id="preview"')[1]
    assert "Video" not in page.text.split('id="preview"')[1].split("</aside>")[0]


def test_the_page_needs_as_many_queries_for_many_entries_as_for_one(client, topic, caseworker):
    client.force_login(caseworker.user)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    book_appointment(
        topic=topic,
        mode="video",
        start=at(TUESDAY, "09:30"),
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        caseworker=caseworker,
        booked_by=UserFactory(),
    )
    ExtraHoursFactory(caseworker=caseworker, date=SATURDAY)
    AbsenceFactory(caseworker=caseworker, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:00"))
    one = count_queries()
    for n in range(1, 5):
        ExtraHoursFactory(caseworker=caseworker, date=SATURDAY + timedelta(days=7 * n))
        day = TUESDAY + timedelta(days=n)
        AbsenceFactory(caseworker=caseworker, start=at(day, "09:00"), end=at(day, "10:00"))

    assert count_queries() == one
    assert client.get(PAGE).text.count("data-affected=") == 1
