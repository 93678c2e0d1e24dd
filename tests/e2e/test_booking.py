"""A new user books, reschedules and cancels at 360×640 in German, Arabic and English; books without JS.

Every step is photographed into tests/e2e/screenshots/ (de-03-time.png …) for a person to look at.
"""

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from appointments.models import Appointment
from appointments.providers import sms
from tests.e2e.conftest import PHONE_SIZE

# Transactional, because the live server reads what the test writes; the languages come back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LANGUAGE_BUTTON = {"de": "Deutsch", "ar": "العربيّة", "en": "English"}
# The language of the consultation: the caseworker speaks German and Arabic.
LANGUAGE_CHOICE = {"de": "Deutsch", "ar": "العربية", "en": "Deutsch"}
SLOT_PAGE_BUDGET = 60 * 1024
ZOOMED_SIZE = {"width": PHONE_SIZE["width"] // 2, "height": PHONE_SIZE["height"] // 2}


class Walk:
    """One visitor's page: every step is checked with axe, for width, and photographed."""

    def __init__(self, page, language, screenshots, axe=True):
        self.page = page
        self.language = language
        self.screenshots = screenshots
        self.axe = Axe() if axe else None
        self.count = 0

    def check(self, name):
        page = self.page
        assert page.locator("html").get_attribute("lang") == self.language
        assert page.locator("html").get_attribute("dir") == ("rtl" if self.language == "ar" else "ltr")
        backwards = reversed_isolates(page)
        assert not backwards, f"{name}: shown right to left: {backwards}"
        split = split_lines(page)
        assert not split, f"{name}: a line of the list is laid out in columns: {split}"
        assert overflow(page, PHONE_SIZE["width"]) == 0, (
            f"{name}: scrolls sideways at {PHONE_SIZE['width']}px"
        )
        # 200 % zoom on the same phone leaves half the CSS pixels.
        page.set_viewport_size(ZOOMED_SIZE)
        zoomed = overflow(page, ZOOMED_SIZE["width"])
        page.set_viewport_size(PHONE_SIZE)
        assert zoomed == 0, f"{name}: scrolls sideways at 200 % zoom"
        self.count += 1
        page.screenshot(
            path=self.screenshots / f"{self.language}-{self.count:02d}-{name}.png", full_page=True
        )
        if self.axe:
            results = self.axe.run(page)
            assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"

    def submit(self):
        self.page.locator("main button[type=submit].primary, main button.danger").first.click()


def overflow(page, width):
    """How many CSS pixels the page is wider than its window, once the window is `width` wide.

    Synchronous reads only: requestAnimationFrame never fires where JavaScript is switched off.
    """
    for _ in range(50):
        if page.evaluate("window.innerWidth") == width:
            break
        time.sleep(0.02)
    return page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)"
    )


# Each text item of a list of steps is one paragraph: a piece of its sentence (the phone number) must not
# become a box of its own beside the rest, as a flex or grid item does. The pictogram is the one box allowed.
SPLIT_LINES = """() => [...document.querySelectorAll("main li")].flatMap((li) => {
  const layout = getComputedStyle(li).display;
  if (!/flex|grid/.test(layout)) return [];
  const boxes = [...li.children].filter((child) => child.textContent.trim() !== "");
  const loose = [...li.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.data.trim());
  return boxes.length + (loose ? 1 : 0) > 1 ? [li.textContent.trim()] : [];
})"""


def split_lines(page):
    """The texts of the list items whose sentence is laid out as side-by-side boxes."""
    return page.evaluate(SPLIT_LINES)


# An isolate on one line reads left to right: its first character stands left of its last.
REVERSED_ISOLATES = """() => [...document.querySelectorAll("bdi.ltr")].flatMap((bdi) => {
  const text = bdi.firstChild;
  const oneLine = new Set([...bdi.getClientRects()].map((rect) => Math.round(rect.top))).size === 1;
  if (!text || text.nodeType !== Node.TEXT_NODE || text.length < 2 || !oneLine) return [];
  const left = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
    return r.getBoundingClientRect().left; };
  return left(0) < left(text.length - 1) ? [] : [bdi.textContent];
})"""


def reversed_isolates(page):
    """The texts of left-to-right isolates that the page shows in the wrong order."""
    return page.evaluate(REVERSED_ISOLATES)


def sms_code(phone_e164):
    for _ in range(50):
        mine = [message for message in sms.outbox if message.to == phone_e164]
        if mine:
            return re.search(r"\d{6}", mine[-1].body).group()
        time.sleep(0.1)
    raise AssertionError("no SMS code arrived")


def slot_page_transfer(browser, context, url):
    """Bytes over the wire for a first visit to the slot page (document and everything it loads)."""
    fresh = browser.new_context(viewport=PHONE_SIZE, locale="de-DE", storage_state=context.storage_state())
    page = fresh.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url)
    page.wait_for_load_state("load")
    total = 0
    for request in finished:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    fresh.close()
    return total, len(finished)


def book(walk, live_server, browser, context, name, phone, mode="video"):
    page = walk.page
    page.goto(live_server.url + "/")
    if walk.language != "de":
        page.get_by_role("button", name=LANGUAGE_BUTTON[walk.language]).first.click()
        page.wait_for_url(live_server.url + "/")
    walk.check("start")
    page.locator("label.choice").first.click()
    walk.submit()
    walk.check("mode")
    page.locator("label.choice", has=page.locator(f"input[value={mode}]")).click()
    walk.submit()
    walk.check("language")
    choice = page.get_by_text(LANGUAGE_CHOICE[walk.language], exact=True)
    page.locator("label.choice", has=choice).click()
    walk.submit()
    page.wait_for_selector("button.time")
    walk.check("time")
    transfer, requests = slot_page_transfer(browser, context, page.url)
    print(f"\nslot page ({walk.language}): {transfer} bytes in {requests} requests")
    assert transfer < SLOT_PAGE_BUDGET
    page.locator("button.time").first.click()
    walk.check("details")
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", phone)
    page.check("input[name=sms_consent]")
    walk.submit()
    walk.check("code")
    page.fill("input[name=code]", sms_code("+49" + phone.replace(" ", "")[1:]))
    walk.submit()
    reference = page.locator("p.reference").inner_text()
    walk.check("done")
    return reference


@pytest.mark.parametrize(("language", "mode"), [("de", "telephone"), ("ar", "telephone"), ("en", "video")])
def test_book_reschedule_and_cancel_on_a_small_phone(
    bookable, live_server, browser, screenshots, language, mode
):
    context = browser.new_context(viewport=PHONE_SIZE, locale="de-DE")
    page = context.new_page()
    walk = Walk(page, language, screenshots)
    reference = book(walk, live_server, browser, context, "Aylin Demir", "0151 23456789", mode)
    first_start = Appointment.objects.get(reference=reference).start

    page.locator("section.box a.link").click()
    walk.check("manage")
    page.locator("a[href$='/zeit/']").click()
    walk.check("reschedule")
    page.locator("button.time").nth(1).click()
    assert page.locator(".notice.success").is_visible()
    walk.check("rescheduled")
    appointment = Appointment.objects.get(reference=reference)
    assert appointment.start != first_start

    page.locator("a.button.danger").click()
    walk.check("cancel")
    walk.submit()
    walk.check("cancelled")
    assert Appointment.objects.get(reference=reference).status == Appointment.Status.CANCELLED

    page.goto(live_server.url + "/m/")
    walk.check("find")
    page.goto(live_server.url + "/b/WRONG/link/")
    walk.check("wrong-link")
    page.goto(live_server.url + "/barrierefreiheit/")
    walk.check("accessibility")
    context.close()


def test_booking_works_without_javascript(bookable, live_server, browser, screenshots):
    context = browser.new_context(viewport=PHONE_SIZE, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    walk = Walk(page, "de", screenshots / "no-js", axe=False)
    walk.screenshots.mkdir(parents=True, exist_ok=True)
    reference = book(walk, live_server, browser, context, "Oleksandr Koval", "0160 9876543")
    assert Appointment.objects.get(reference=reference).client.name == "Oleksandr Koval"
    context.close()
