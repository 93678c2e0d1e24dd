"""The pages outside booking and the staff workspace pass axe-core in German and Arabic at 360×640:
the video page, the interpreter's pages, login, the second factor and the legal pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import PHONE_SIZE
from tests.factories import OfficeFactory, UserFactory
from tests.realtime.browser import make_party

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PUBLIC = {
    "imprint": "/impressum/",
    "privacy": "/datenschutz/",
    "accessibility": "/barrierefreiheit/",
    "login": "/konto/login/",
}
INTERPRETER = {"interpreter": "/dolmetschen/"}
STAFF = {"two-factor-setup": "/konto/zwei-faktor/"}


@pytest.fixture
def setup():
    """A booked video call with its interpreter; an office with its legal details; a user with a device."""
    party = make_party()
    OfficeFactory(
        name="Jobcenter Berlin Mitte",
        address="Seydelstraße 2–5\n10117 Berlin",
        email="post@jobcenter.example",
        represented_by="Dr. Beispiel",
        data_protection_officer="Datenschutz, Seydelstraße 2–5, 10117 Berlin",
        supervisory_authority="BfDI, Graurheindorfer Straße 153, 53117 Bonn",
        accessibility_enforcement_body="Landesbeauftragte für digitale Barrierefreiheit",
    )
    with_device = UserFactory()
    TOTPDevice.objects.create(user=with_device, name="phone", confirmed=True)
    return party, with_device.username


class Pages:
    """One browser context in one language; each page is photographed and checked with axe."""

    def __init__(self, browser, live_server, language, screenshots):
        self.base = live_server.url
        self.context = browser.new_context(viewport=PHONE_SIZE, locale="de-DE")
        self.context.add_cookies([{"name": "django_language", "value": language, "url": self.base}])
        self.language = language
        self.screenshots = screenshots
        self.axe = Axe()
        self.reports = {}

    def check(self, label, page):
        assert page.locator("html").get_attribute("lang") == self.language, label
        page.screenshot(path=str(self.screenshots / f"{self.language}-{label}.png"), full_page=True)
        results = self.axe.run(page)
        if results.violations_count:
            self.reports[label] = results.generate_report()

    def visit(self, label, path, cookie=None):
        if cookie:
            name, value = cookie.split("=", 1)
            self.context.add_cookies([{"name": name, "value": value, "url": self.base}])
        page = self.context.new_page()
        assert page.goto(self.base + path).status == 200, label
        self.check(label, page)
        page.close()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_pages_beyond_booking_pass_axe(browser, live_server, setup, screenshots, language):
    (party, username) = setup
    pages = Pages(browser, live_server, language, screenshots)
    for label, path in PUBLIC.items():
        pages.visit(label, path)
    page = pages.context.new_page()
    page.goto(pages.base + "/konto/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-password-1")
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/konto/login/code/**")
    pages.check("two-factor-code", page)
    page.close()
    call = party.call
    pages.visit("video", f"/video/{call.reference}/{call.token}/")
    for label, path in INTERPRETER.items():
        pages.visit(label, path, cookie=party.interpreter_cookie)
    for label, path in STAFF.items():
        pages.visit(label, path, cookie=party.staff_cookie)
    pages.context.close()
    assert pages.reports == {}
