"""A caseworker invites a new client; the client books from the SMS link on a 360×640 phone in Arabic.

The staff side runs at 1366×768 in English; the client side at 360×640 in Arabic (right to left)
and, for the screenshots a person looks at, in German. Every page is checked with axe.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from appointments.models import Appointment, Client, Invitation, Notification
from appointments.services.booking import ClientDetails
from appointments.services.invitations import invitation_link, invite_client
from tests.e2e.conftest import PHONE_SIZE, accessible
from tests.pdf import page_qr_codes
from tests.realtime.conftest import session_cookie

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1366, "height": 768}


def _path(link: str) -> str:
    """The link as sent (on SITE_URL) is opened on the live server."""
    return link.removeprefix(settings.SITE_URL)


def test_a_caseworker_invites_and_a_new_client_books_from_the_sms_link_in_arabic(
    browser, live_server, bookable, screenshots
):
    caseworker = bookable.caseworkers.get()
    name, value = session_cookie(caseworker.user).split("=", 1)
    staff = browser.new_context(viewport=WIDE, locale="en-GB")
    staff.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    page = staff.new_page()
    page.set_extra_http_headers({"Accept-Language": "en"})

    page.goto(f"{live_server.url}/fachkraft/einladen/")
    accessible(page, screenshots, "invitation-staff-1-form")
    page.get_by_label("Name", exact=True).fill("Nour Haddad")
    page.get_by_label("Mobile number", exact=True).fill("0151 2345 6789")
    page.get_by_label("Preferred language for messages").select_option("ar")
    page.get_by_label("The client agrees to SMS").check()
    times = page.get_by_label("Fixed time (your free times)")
    times.select_option(index=1)  # the first free time
    page.get_by_label("Note to the client (optional)").fill("Bitte Lebenslauf bereithalten.")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_role("heading", name="Invitation sent").wait_for()
    accessible(page, screenshots, "invitation-staff-2-sent")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the letter (PDF)").click()
    letter = Path(download.value.path()).read_bytes()
    staff.close()

    invitation = Invitation.objects.select_related("client").get()
    assert invitation.client.name == "Nour Haddad"
    assert invitation.language == "ar"
    sms = Notification.objects.get(invitation=invitation, channel=Notification.Channel.SMS)
    assert sms.language == "ar"
    # In Arabic the link sits between LRI and PDI (texts.render), which end it as a space would.
    link = re.search(r"https?://\S+/e/[^\s\u2069]+", sms.body).group(0)
    # The letter the caseworker downloaded carries the same link, as its QR code.
    assert page_qr_codes(letter) == [[link]]

    phone = browser.new_context(viewport=PHONE_SIZE, locale="ar", is_mobile=True)
    client_page = phone.new_page()
    client_page.set_extra_http_headers({"Accept-Language": "ar"})
    client_page.goto(f"{live_server.url}{_path(link)}")
    assert client_page.locator("html").get_attribute("dir") == "rtl"
    assert "Bitte Lebenslauf bereithalten." in client_page.text_content("main")
    assert client_page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    accessible(client_page, screenshots, "invitation-ar-1-invited")
    client_page.locator("form button.primary").click()  # one tap: yes, I will take part
    client_page.locator(".reference").wait_for()
    accessible(client_page, screenshots, "invitation-ar-2-booked")

    appointment = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert client_page.locator(".reference").text_content() == appointment.reference
    assert appointment.caseworker_id == caseworker.pk
    assert appointment.start == invitation.start
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.BOOKED
    assert Client.objects.count() == 1

    # The link is single-use: opened again, it says so, in Arabic, and books nothing.
    client_page.goto(f"{live_server.url}{_path(link)}")
    accessible(client_page, screenshots, "invitation-ar-3-used")
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 1
    phone.close()


def test_a_window_invitation_and_the_code_page_in_german_on_a_small_phone(
    browser, live_server, bookable, screenshots
):
    """Screenshots for a person to look at: a window to choose a time in, and the letter's code page."""
    caseworker = bookable.caseworkers.get()
    now = timezone.now()
    issued = invite_client(
        caseworker=caseworker,
        topic=bookable,
        client=ClientDetails(name="Kundin Weber", phone="0151 2345 6000", sms_consent=True),
        modes=["telephone", "video"],
        window=(now, now + timedelta(days=7)),
        deadline=now + timedelta(days=3),
        note="Bitte bringen Sie Ihre Unterlagen mit.",
        channels=["sms"],
        invited_by=caseworker.user,
    )
    phone = browser.new_context(viewport=PHONE_SIZE, locale="de-DE", is_mobile=True)
    page = phone.new_page()
    page.set_extra_http_headers({"Accept-Language": "de"})

    page.goto(f"{live_server.url}{_path(invitation_link(issued.token))}")
    page.get_by_role("heading", name="Sie sind eingeladen").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    accessible(page, screenshots, "invitation-de-1-window")
    page.goto(f"{live_server.url}/e/")
    accessible(page, screenshots, "invitation-de-2-code")
    phone.close()
