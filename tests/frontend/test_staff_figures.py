"""The figures page and CSV: coordinators only, the period, SVG charts without inline styles, safe CSV."""

import csv
import re
from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment, InterpreterRequest
from frontend.staff.figures import _cell
from tests.factories import (
    AppointmentFactory,
    CaseworkerFactory,
    InterpreterFactory,
    InterpreterRequestFactory,
    OfficeFactory,
    UserFactory,
)
from tests.scenario import ENGLISH, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PAGE = "/fachkraft/zahlen/"
CSV = "/fachkraft/zahlen.csv"
Status = Appointment.Status


@pytest.fixture
def coordinator(topic, caseworker):
    return CaseworkerFactory(office=topic.office, is_coordinator=True)


def make(topic, caseworker, start, status=Status.COMPLETED, **fields):
    return AppointmentFactory(topic=topic, caseworker=caseworker, start=start, status=status, **fields)


@pytest.fixture
def month(topic, caseworker):
    """November in the office: held, no-show, cancelled, a late evening, an interpreter filled."""
    make(topic, caseworker, at(date(2026, 11, 10), "09:00"), mode="video")
    make(topic, caseworker, at(date(2026, 11, 10), "10:00"), Status.NO_SHOW, mode="telephone")
    make(topic, caseworker, at(date(2026, 11, 10), "11:00"), Status.CANCELLED, mode="telephone")
    make(topic, caseworker, at(date(2026, 11, 12), "23:30"), mode="telephone", language="tr")
    arabic = make(topic, caseworker, at(date(2026, 11, 20), "09:00"), interpreter_language="ar")
    InterpreterRequestFactory(
        appointment=arabic,
        status=InterpreterRequest.Status.ACCEPTED,
        interpreter=InterpreterFactory(languages=["ar"]),
        accepted_at=at(date(2026, 11, 18), "09:00"),
        created_at=at(date(2026, 11, 17), "09:00"),
    )


def test_login_is_required(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


@pytest.mark.parametrize("who", ["caseworker", "interpreter", "user", "superuser_without_profile"])
@pytest.mark.parametrize("url", [PAGE, CSV])
def test_everybody_but_coordinators_gets_a_404(client, caseworker, coordinator, month, who, url):
    user = {
        "caseworker": lambda: caseworker.user,
        "interpreter": lambda: InterpreterFactory(user=UserFactory()).user,
        "user": UserFactory,
        "superuser_without_profile": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[who]()
    client.force_login(user)
    assert client.get(url).status_code == 404


def test_a_superuser_with_a_caseworker_profile_counts_as_coordinator(client, topic, caseworker, month):
    caseworker.user.is_superuser = True
    caseworker.user.save(update_fields=["is_superuser"])
    client.force_login(caseworker.user)
    assert client.get(PAGE).status_code == 200


def test_a_coordinator_sees_only_their_own_office(client, month):
    other = CaseworkerFactory(office=OfficeFactory(name="Jobcenter Anderswo"), is_coordinator=True)
    client.force_login(other.user)

    page = client.get(PAGE, headers=ENGLISH)
    rows = read_csv(client.get(CSV, headers=ENGLISH), delimiter=",")

    assert page.status_code == 200
    assert "Jobcenter Anderswo" in page.text
    assert page.context["figures"].totals.total == 0
    assert rows[31] == ["Total", "0", "0", "0", "0", "0"]
    assert ["Office", "Jobcenter Anderswo"] in rows


def test_default_is_the_last_30_days_with_charts_and_tables(client, coordinator, month):
    client.force_login(coordinator.user)

    page = client.get(PAGE, headers=ENGLISH)

    assert page.status_code == 200
    figures = page.context["figures"]
    assert (figures.first, figures.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert 'name="von" value="2026-11-01"' in page.text
    assert 'name="bis" value="2026-11-30"' in page.text
    assert 'aria-current="page">Figures<' in page.text
    assert (figures.totals.completed, figures.totals.no_show, figures.totals.cancelled) == (3, 1, 1)
    assert "25.0 %" in page.text  # no-show rate: 1 of 4 with an outcome
    assert "100.0 %" in page.text  # the one interpreter request was filled
    # Three charts, each with its title and description for screen readers, and tables behind them.
    assert page.text.count('<svg class="chart') == 3
    assert page.text.count('role="img"') == 3
    assert '<title id="day-chart-title">Appointments per day</title>' in page.text
    assert 'id="mode-chart-desc">Telephone: 2 (50.0 %); Video: 2 (50.0 %)</desc>' in page.text
    assert page.text.count("<details>") == 3
    assert "<caption>Appointments per day</caption>" in page.text
    assert "Tue, 10. Nov 2026" in page.text
    assert f'href="{reverse("staff:figures-csv")}?von=2026-11-01&amp;bis=2026-11-30"' in page.text


def test_no_inline_styles_and_svg_numbers_not_localised(client, coordinator, month):
    client.force_login(coordinator.user)

    page = client.get(PAGE)  # German: a decimal comma must not reach the SVG's attributes

    assert page.status_code == 200
    assert "style=" not in page.text
    assert "<script" not in page.text
    svg = "".join(re.findall(r"<svg.*?</svg>", page.text, re.S))
    numbers = re.findall(r' (?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg)
    assert numbers
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
    assert "25,0 %" in page.text  # shown to people in German


def test_chosen_period_and_a_late_evening_on_its_local_day(client, coordinator, month):
    client.force_login(coordinator.user)

    page = client.get(PAGE, {"von": "2026-11-12", "bis": "2026-11-12"}, headers=ENGLISH)

    assert page.status_code == 200
    [day] = page.context["figures"].days
    assert (day.day, day.counts.completed) == (date(2026, 11, 12), 1)  # 23:30 Berlin is 22:30 UTC


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"von": "2026-11-31"}, "Please give a valid date between 2000-01-01 and 2099-12-31"),
        ({"bis": "gestern"}, "Please give a valid date between 2000-01-01 and 2099-12-31"),
        ({"bis": "9999-12-31"}, "Please give a valid date between 2000-01-01 and 2099-12-31"),
        ({"von": "2026-11-20", "bis": "2026-11-10"}, "The end date must not be before the start date."),
        ({"von": "2025-11-29", "bis": "2026-11-30"}, "Please choose at most 366 days."),
    ],
)
def test_bad_periods_get_a_400_with_the_reason(client, coordinator, month, query, message):
    client.force_login(coordinator.user)

    page = client.get(PAGE, query, headers=ENGLISH)
    download = client.get(CSV, query, headers=ENGLISH)

    assert page.status_code == 400
    assert message in page.text
    assert 'aria-invalid="true"' in page.text
    assert page.context["figures"] is None
    assert '<svg class="chart' not in page.text
    assert download.status_code == 400
    assert message in download.content.decode()


def test_bad_date_message_is_translated(client, coordinator):
    client.force_login(coordinator.user)

    page = client.get(PAGE, {"von": "31.11.2026"})

    assert page.status_code == 400
    assert "gültiges Datum" in page.text


def test_366_days_are_accepted(client, coordinator):
    client.force_login(coordinator.user)
    page = client.get(PAGE, {"von": "2025-11-30", "bis": "2026-11-30"})
    assert page.status_code == 200
    assert len(page.context["figures"].days) == 366


def read_csv(response, delimiter=";") -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(text[1:].splitlines(), delimiter=delimiter))


def test_csv_for_excel_in_german(client, topic, coordinator, month):
    topic.office.name = '=HYPERLINK("http://evil")'
    topic.office.slug = "wiesbaden"
    topic.office.save(update_fields=["name", "slug"])
    client.force_login(coordinator.user)

    response = client.get(CSV, {"von": "2026-11-10", "bis": "2026-11-20"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="zahlen-wiesbaden-2026-11-10-2026-11-20.csv"'
    )
    rows = read_csv(response)  # German Excel splits on semicolons and reads decimal commas
    assert len(rows[0]) == 6
    assert rows[1] == ["2026-11-10", "1", "1", "1", "0", "3"]
    assert rows[2] == ["2026-11-11", "0", "0", "0", "0", "0"]
    assert rows[3] == ["2026-11-12", "1", "0", "0", "0", "1"]  # 23:30 in Berlin
    assert rows[11] == ["2026-11-20", "1", "0", "0", "0", "1"]
    assert rows[12][1:] == ["3", "1", "1", "0", "5"]
    assert rows[13] == []
    assert rows[14][1] == '\'=HYPERLINK("http://evil")'  # shown as text, never run as a formula
    assert rows[17][1] == "25,0"  # no-show rate
    assert rows[20][1] == "100,0"  # fill rate
    assert ["Türkçe", "1", "25,0", "0"] in rows


def test_csv_in_english_uses_commas_and_points(client, coordinator, month):
    client.force_login(coordinator.user)

    response = client.get(CSV, {"von": "2026-11-10", "bis": "2026-11-20"}, headers=ENGLISH)

    rows = read_csv(response, delimiter=",")
    assert rows[0] == ["Date", "Held", "No-show", "Cancelled", "Still booked", "Total"]
    assert ["No-show rate (%)", "25.0"] in rows
    assert ["Fill rate (%)", "100.0"] in rows
    assert ["Telephone interpreting", "0"] in rows
    assert ["Mode", "Appointments", "Share (%)", "With interpreter"] in rows
    assert ["Video", "2", "50.0", "1"] in rows
    assert ["Telephone", "2", "50.0", "0"] in rows
    assert ["Deutsch", "2", "50.0", "0"] in rows
    assert ["Interpreting", "Requests", "Filled", "Fill rate (%)", "Telephone interpreting"] in rows
    assert ["العربية", "1", "1", "100.0", "0"] in rows


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+49 151", "'+49 151"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Jobcenter Köln", "Jobcenter Köln"),
        (3, "3"),
        (None, ""),
    ],
)
def test_cells_that_look_like_formulas_are_quoted(value, cell):
    assert _cell(value) == cell


def test_page_queries_do_not_grow_with_appointments(client, topic, caseworker, coordinator):
    client.force_login(coordinator.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    make(topic, caseworker, at(date(2026, 11, 2), "09:00"), interpreter_language="ar")
    one = queries()
    for n in range(29):
        start = at(date(2026, 11, 3) + timedelta(days=n // 3), time(9 + n % 3))
        appointment = make(
            topic, caseworker, start, interpreter_language="fa", mode=("video", "telephone")[n % 2]
        )
        InterpreterRequestFactory(appointment=appointment, created_at=start - timedelta(days=1))
    assert queries() == one
