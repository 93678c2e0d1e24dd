"""The caseworker's day in Chromium via uvicorn: a client enters the waiting room, the row lights up live,
one click on Admit opens the call and lets the client in."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from appointments.models import Appointment
from tests.browser import CHROMIUM, MEDIA_ARGS
from tests.factories import CaseworkerFactory
from tests.realtime.browser import connected, launch, open_page, stage
from tests.realtime.conftest import make_call, session_cookie
from tests.realtime.servers import web_server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1366, "height": 768}
SHOTS = Path(os.environ.get("STAFF_SHOTS", "/tmp/shots_h5"))  # noqa: S108 (screenshots for a human to look at)


@pytest.fixture
def media_browser(monkeypatch):
    with launch(monkeypatch) as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        yield browser
        browser.close()


def staff_page(browser, base: str, cookie: str):
    context = browser.new_context(permissions=["camera", "microphone"], viewport=WIDE, locale="en")
    name, value = cookie.split("=", 1)
    context.add_cookies([{"name": name, "value": value, "url": base}])
    return context.new_page()


def test_waiting_client_lights_up_live_and_one_click_admits(media_browser):
    call = make_call()  # all database work before Playwright starts
    cookie = session_cookie(get_user_model().objects.get(caseworker=call.appointment.caseworker))
    SHOTS.mkdir(parents=True, exist_ok=True)
    row = f'tr[data-reference="{call.reference}"]'

    with web_server() as base:
        staff = staff_page(media_browser, base, cookie)
        staff.goto(f"{base}/fachkraft/")
        staff.locator(row).wait_for(timeout=10_000)
        assert "waiting" not in (staff.locator(row).get_attribute("class") or "")
        assert staff.locator(f"{row} a.admit").count() == 0
        staff.wait_for_timeout(500)  # the staff socket is open before the client arrives

        client = open_page(media_browser, f"{base}/video/{call.reference}/{call.token}/")
        stage(client, "waiting")

        staff.locator(f"{row}.waiting a.admit").wait_for(timeout=10_000)  # live, without a reload
        assert staff.locator("#live").text_content() == "A client is waiting in the video room."
        staff.screenshot(path=str(SHOTS / "day_waiting.png"))

        # Keyboard only: Tab to the Admit link and press Enter.
        admit = staff.locator(f"{row} a.admit")
        for _ in range(40):
            staff.keyboard.press("Tab")
            if admit.evaluate("(link) => link === document.activeElement"):
                break
        else:
            pytest.fail("Admit cannot be reached with Tab")
        staff.keyboard.press("Enter")

        staff.wait_for_url(f"**/video/raum/{call.room}/**", timeout=10_000)
        stage(client, "call")  # the client is admitted without a second click
        stage(staff, "call")
        assert "admit=1" not in staff.url  # a reload would not admit anybody again
        staff.wait_for_function(connected(1), timeout=20_000)
        staff.screenshot(path=str(SHOTS / "call_admitted.png"))

    try:
        appointment = Appointment.objects.get(pk=call.appointment.pk)
    finally:
        connection.close()  # Playwright's greenlet got a connection of its own: the test database must drop
    assert appointment.call_admitted_at is not None
    assert appointment.call_status == "in_progress"


def test_coordinator_sees_a_colleagues_waiting_client_on_the_team_page(media_browser):
    call = make_call()
    office = call.appointment.topic.office
    # A colleague's telephone slot at the same time: "today" for the Call form unless the test runs
    # in the last minutes before midnight, like the video call itself.
    colleague = CaseworkerFactory(office=office, topics=[call.appointment.topic])
    by_phone = make_call(topic=call.appointment.topic, caseworker=colleague, mode="telephone")
    coordinator = CaseworkerFactory(office=office, is_coordinator=True, display_name="Carla Coordinator")
    colleague_cookie = session_cookie(colleague.user)
    owner_cookie = session_cookie(get_user_model().objects.get(caseworker=call.appointment.caseworker))
    coordinator_cookie = session_cookie(coordinator.user)
    SHOTS.mkdir(parents=True, exist_ok=True)
    row = f'tbody[data-caseworker="{call.appointment.caseworker_id}"] tr[data-reference="{call.reference}"]'

    with web_server() as base:
        week = staff_page(media_browser, base, colleague_cookie)
        week.goto(f"{base}/fachkraft/woche/")
        week.locator(f'tr[data-reference="{by_phone.reference}"] form[data-phone-call]').wait_for(
            timeout=10_000
        )
        week.screenshot(path=str(SHOTS / "week.png"), full_page=True)

        owner_week = staff_page(media_browser, base, owner_cookie)
        owner_week.goto(f"{base}/fachkraft/woche/")
        owner_week.locator(f'tr[data-reference="{call.reference}"]').wait_for(timeout=10_000)
        team = staff_page(media_browser, base, coordinator_cookie)
        team.goto(f"{base}/fachkraft/team/")
        team.locator(row).wait_for(timeout=10_000)
        assert team.locator(f"{row} a.admit").count() == 0
        team.wait_for_timeout(500)

        client = open_page(media_browser, f"{base}/video/{call.reference}/{call.token}/")
        stage(client, "waiting")

        team.locator(f"{row}.waiting a.admit").wait_for(timeout=10_000)
        team.screenshot(path=str(SHOTS / "team_waiting.png"), full_page=True)
        team.locator(f"{row} a.admit").focus()
        team.screenshot(path=str(SHOTS / "team_focus.png"))
        owner_week.locator(f'tr[data-reference="{call.reference}"].waiting').wait_for(timeout=10_000)
    connection.close()  # the set-up ran in Playwright's greenlet, on a connection of its own
