"""Chromium through Playwright against pytest-django's live server, with an office ready to book."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from appointments.models import Language
from tests.browser import ARGS, CHROMIUM
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours

PHONE_SIZE = {"width": 360, "height": 640}


def accessible(page, screenshots, name) -> None:
    """A screenshot of the page as it is now (to look at), and no axe-core violations on it."""
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture
def browser(monkeypatch):
    """A fresh Chromium per test; while Playwright's sync API runs its event loop in this thread,
    Django refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set, so it is set for the test."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium at /usr/bin/chromium (make test installs it)")
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots():
    # Overwritten on each run, never emptied: under pytest-xdist several workers write here at once.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def bookable(browser, live_server):
    """An office with a phone number; one caseworker speaking German and Arabic, every day 9 to 12."""
    # Normally restored by the serialized rollback; made sure of here, whatever ran before.
    for code, name in (("de", "Deutsch"), ("ar", "العربية")):
        Language.objects.get_or_create(code=code, defaults={"name": name})
    office = OfficeFactory(phone="0611 123 4567", require_phone_verification=True)
    topic = TopicFactory(office=office, slug="buergergeld", name="Fragen zum Bürgergeld")
    caseworker = CaseworkerFactory(office=office, topics=[topic], languages=["de", "ar"])
    week_of_hours(caseworker, weekdays=range(7))
    return topic
