"""Chromium with a fake camera and microphone, and the steps of a three-way call, for the browser tests."""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.browser import CHROMIUM
from tests.realtime.conftest import Call, assign_interpreter, make_call, session_cookie

STATES = "() => { const s = Object.values(window.sprechstundeCall.connections());"


def connected(count: int) -> str:
    return STATES + f" return s.length === {count} && s.every((state) => state === 'connected'); }}"


@dataclass
class Party:
    call: Call
    staff_cookie: str
    interpreter_cookie: str


def make_party() -> Party:
    """All database work, done before Playwright starts (its greenlet would get its own connection)."""
    call = make_call()
    interpreter = assign_interpreter(call.appointment)
    caseworker = get_user_model().objects.get(caseworker=call.appointment.caseworker)
    return Party(call, session_cookie(caseworker), session_cookie(interpreter.user))


def launch(monkeypatch):
    """Playwright's Chromium (a context manager yielding the browser), or a skip without Chromium."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium at /usr/bin/chromium")
        pytest.skip("Chromium is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def open_page(browser, url, *, cookie=None, base="", language=None):
    context = browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 360, "height": 640}
    )
    if cookie:
        name, value = cookie.split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": base}])
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": base or url}])
    page = context.new_page()
    page.goto(url)
    page.locator("#enter:enabled").wait_for(timeout=10_000)
    page.click("#enter")
    return page


def stage(page, name):
    page.wait_for_function(f"() => window.sprechstundeCall.stage() === '{name}'", timeout=10_000)


def three_way_call(browser, base, party: Party, *, timeout: int = 20_000):
    """Client waits, caseworker admits, interpreter joins; returns the three pages once all are connected."""
    call = party.call
    client = open_page(browser, f"{base}/video/{call.reference}/{call.token}/")
    stage(client, "waiting")
    staff = open_page(browser, f"{base}/video/raum/{call.room}/", cookie=party.staff_cookie, base=base)
    stage(staff, "call")
    staff.locator("#admit").wait_for(timeout=10_000)
    staff.click("#admit")
    stage(client, "call")
    third = open_page(browser, f"{base}/video/raum/{call.room}/", cookie=party.interpreter_cookie, base=base)
    stage(third, "call")
    for page in (client, staff, third):
        page.wait_for_function(connected(2), timeout=timeout)
    return client, staff, third
