"""A three-way video call in Chromium via uvicorn: the client waits, is admitted, all connect, one leaves."""

import pytest

from tests.browser import CHROMIUM, MEDIA_ARGS
from tests.realtime.browser import connected, launch, make_party, stage, three_way_call
from tests.realtime.servers import web_server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def party():
    return make_party()


@pytest.fixture
def media_browser(party, monkeypatch):
    with launch(monkeypatch) as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        yield browser
        browser.close()


def test_three_people_connect_and_see_a_hang_up(party, media_browser):
    with web_server() as base:
        client, staff, third = three_way_call(media_browser, base, party)
        for page in (client, staff, third):
            assert page.locator("#videos video").count() == 3
        third.click("#hang-up")
        stage(third, "ended")
        for page in (client, staff):
            page.wait_for_function(connected(1), timeout=10_000)
            assert page.locator("#videos video").count() == 2

        client.click("#mute")
        assert client.locator("#mute").get_attribute("aria-pressed") == "true"
        assert (
            client.evaluate(
                "() => document.getElementById('self-view').srcObject.getAudioTracks()[0].enabled"
            )
            is False
        )
        client.click("#camera")
        assert (
            client.evaluate(
                "() => document.getElementById('self-view').srcObject.getVideoTracks()[0].enabled"
            )
            is False
        )
        client.click("#switch-to-phone")
        staff.locator("#phone-form").wait_for(timeout=10_000)


def test_denied_camera_gets_a_clear_message(party, media_browser):
    call = party.call
    with web_server() as base:
        page = media_browser.new_context(permissions=[]).new_page()
        page.add_init_script(
            "navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('no', 'NotAllowedError'));"
        )
        page.goto(f"{base}/video/{call.reference}/{call.token}/")
        page.locator("#device-error").wait_for(timeout=10_000)
        assert page.locator("#enter").is_disabled()
        assert page.locator("#switch-to-phone").is_visible()
