"""The day page says when the own calendar was last read, and marks bookings it has since made busy."""

from datetime import timedelta

import pytest

from appointments.models import CalendarBusy, CalendarLink
from tests.scenario import TUESDAY, TUESDAY_10, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def test_the_day_page_shows_the_calendars_last_reading_and_a_conflict(client, topic, caseworker, now):
    appointment = book(topic, TUESDAY_10, caseworker=caseworker, by_staff=True).appointment
    link = CalendarLink.objects.create(caseworker=caseworker, url="https://outlook.example/kalender.ics")
    client.force_login(caseworker.user)
    page = client.get(f"/fachkraft/?tag={TUESDAY.isoformat()}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "noch nicht gelesen" in page
    assert "Konflikt" not in page

    CalendarBusy.objects.create(
        link=link, caseworker=caseworker, start=TUESDAY_10, end=TUESDAY_10 + timedelta(minutes=30)
    )
    link.last_read_at, link.last_error = now, "HTTPError"
    link.save()
    page = client.get(f"/fachkraft/?tag={TUESDAY.isoformat()}", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'zuletzt gelesen <bdi dir="ltr" class="ltr">30.11. 07:00</bdi>' in page
    assert "die letzte gute Kopie gilt" in page
    row = page.split(f'data-reference="{appointment.reference}"', 1)[1].split("</tr>", 1)[0]
    assert "Konflikt: Der eigene Kalender ist zu dieser Zeit belegt" in row
