"""A client books a place in a group session at 360×640 in German and Arabic, axe-clean, and the
hosts' pages of group sessions pass axe too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.services.group_sessions import schedule_group_session
from tests.e2e.conftest import PHONE_SIZE
from tests.e2e.test_booking import LANGUAGE_BUTTON, Walk, sms_code
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def session(bookable):
    office = bookable.office
    topic = TopicFactory(
        office=office,
        slug="gruppeninfo",
        name="Gruppeninformation",
        group=True,
        modes=["in_person"],
        duration=timedelta(minutes=60),
        position=0,
    )
    host = bookable.caseworkers.get()
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return schedule_group_session(topic=topic, start=start, hosts=[host], capacity=2, mode="in_person")


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_client_books_a_place_on_a_small_phone(session, live_server, browser, screenshots, language):
    context = browser.new_context(viewport=PHONE_SIZE, locale="de-DE")
    page = context.new_page()
    walk = Walk(page, language, screenshots)
    page.goto(live_server.url + "/")
    if language != "de":
        page.get_by_role("button", name=LANGUAGE_BUTTON[language]).first.click()
        page.wait_for_url(live_server.url + "/")
    page.locator("label.choice", has=page.locator("input[value=gruppeninfo]")).click()
    walk.submit()
    walk.check("group-mode")
    page.locator("label.choice", has=page.locator("input[value=in_person]")).click()
    walk.submit()
    page.locator("label.choice", has=page.locator(f"input[name=language][value={language}]")).click()
    walk.submit()
    walk.check("group-sessions")
    page.locator("button.session").first.click()
    walk.check("group-details")
    page.fill("input[name=name]", "Aylin Demir")
    page.fill("input[name=phone]", "0151 23456789")
    page.check("input[name=sms_consent]")
    walk.submit()
    walk.check("group-code")
    page.fill("input[name=code]", sms_code("+4915123456789"))
    walk.submit()
    walk.check("group-done")
    place = Appointment.objects.get(reference=page.locator("p.reference").inner_text())
    assert place.group_session == session
    context.close()
