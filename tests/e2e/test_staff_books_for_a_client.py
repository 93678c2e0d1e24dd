"""A caseworker books for a new client who phoned, in Chromium at 1366×768: search, enter, pick, book."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from appointments.models import Appointment, Client, Notification
from tests.realtime.conftest import session_cookie

# Transactional, because the live server reads what the test writes; the languages come back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1366, "height": 768}
SHOTS = Path(os.environ.get("STAFF_SHOTS", "/tmp/shots_h3"))  # noqa: S108 (screenshots for a human to look at)


def test_caseworker_books_for_a_new_client_in_a_few_clicks(browser, live_server, bookable):
    caseworker = bookable.caseworkers.get()
    name, value = session_cookie(caseworker.user).split("=", 1)
    context = browser.new_context(viewport=WIDE, locale="en-GB")
    context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": "en"})
    axe = Axe()
    SHOTS.mkdir(parents=True, exist_ok=True)

    def check(step):
        page.screenshot(path=str(SHOTS / f"book-{step}.png"), full_page=True)
        results = axe.run(page)
        assert results.violations_count == 0, f"{step}:\n{results.generate_report()}"

    page.goto(f"{live_server.url}/fachkraft/buchen/")
    search = page.get_by_label("Mobile number or customer number")
    expect(search).to_be_focused()
    page.keyboard.type("0151 2345 6789")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="No client found").wait_for()
    check("1-search")

    expect(page.get_by_label("Name")).to_be_focused()
    page.keyboard.type("Bernd Becker")
    assert page.get_by_label("Mobile number", exact=True).input_value() == "+4915123456789"
    page.get_by_label("The client agrees to SMS").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="What is it about?").wait_for()
    check("2-request")

    page.get_by_role("button", name="Show free times").click()  # one topic, telephone, German, with me
    page.get_by_role("heading", name="Choose a time").wait_for()
    check("3-time")

    page.locator("button.time").first.click()
    page.get_by_role("heading", name="Check and book").wait_for()
    check("4-confirm")

    page.get_by_role("button", name="Book now").click()
    page.get_by_role("heading", name="Booked").wait_for()
    check("5-done")

    appointment = Appointment.objects.select_related("client").get()
    assert page.locator(".reference").text_content() == appointment.reference
    assert appointment.booked_by_id == caseworker.user_id
    assert appointment.caseworker_id == caseworker.pk
    assert Client.objects.get().name == "Bernd Becker"
    assert Notification.objects.filter(
        appointment=appointment,
        kind=Notification.Kind.CONFIRMATION,
        channel=Notification.Channel.SMS,
        recipient="+4915123456789",
    ).exists()
    context.close()
