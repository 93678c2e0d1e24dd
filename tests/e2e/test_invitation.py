"""An invited client answers from the link at 360×640 in German and Arabic, axe-clean, and without JS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, Caseworker, Client, Invitation
from appointments.services.availability import free_slots
from appointments.services.invitations import invitation_link, invite_client
from tests.e2e.conftest import PHONE_SIZE
from tests.e2e.test_booking import LANGUAGE_BUTTON, Walk

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def invite(topic, *, fixed: bool, phone: str, channels=("sms",)):
    caseworker = Caseworker.objects.get()
    now = timezone.now()
    slots = free_slots(
        topic=topic, date_from=(now + timedelta(days=1)).date(), date_to=(now + timedelta(days=8)).date()
    )
    client = Client.objects.create(name="Samir Haddad", phone=phone, language="ar", sms_consent=True)
    kwargs = (
        {"start": slots[0].start, "deadline": slots[0].start - timedelta(hours=1)}
        if fixed
        else {"window": (now, now + timedelta(days=8)), "deadline": now + timedelta(days=5)}
    )
    return invite_client(
        caseworker=caseworker,
        topic=topic,
        client=client,
        modes=["telephone", "video"],
        note="Bitte halten Sie Ihren Bescheid bereit.",
        channels=list(channels),
        invited_by=caseworker.user,
        **kwargs,
    )


def in_language(walk, live_server, language):
    if language != "de":
        walk.page.goto(live_server.url + "/")
        walk.page.get_by_role("button", name=LANGUAGE_BUTTON[language]).first.click()
        walk.page.wait_for_url(live_server.url + "/")


@pytest.mark.parametrize("language", ["de", "ar"])
def test_an_invited_client_confirms_or_picks_another_time(
    bookable, live_server, browser, screenshots, language
):
    bookable.invitation_notice = "Wenn Sie ohne wichtigen Grund nicht kommen, kann das Folgen haben."
    bookable.save()
    context = browser.new_context(viewport=PHONE_SIZE, locale="de-DE")
    page = context.new_page()
    walk = Walk(page, language, screenshots / "invitation")
    walk.screenshots.mkdir(parents=True, exist_ok=True)
    in_language(walk, live_server, language)

    fixed = invite(bookable, fixed=True, phone="+4915111110001")
    page.goto(invitation_link(fixed.token).replace("http://127.0.0.1:8000", live_server.url))
    walk.check("invitation")
    page.locator("a[href$='/zeit/']").click()
    walk.check("other-times")
    page.locator("button.time").first.click()
    walk.check("done")
    booked = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert booked.client.phone == "+4915111110001"
    assert Invitation.objects.get(pk=fixed.invitation.pk).status == Invitation.Status.BOOKED

    page.goto(live_server.url + f"/e/{fixed.token}/")
    walk.check("used")
    page.goto(live_server.url + "/e/")
    walk.check("code-entry")

    window = invite(bookable, fixed=False, phone="+4915111110002", channels=("letter",))
    page.fill("input[name=code]", window.code)
    walk.submit()
    walk.check("window")
    page.locator("button.time").first.click()
    walk.check("window-done")
    assert Invitation.objects.get(pk=window.invitation.pk).status == Invitation.Status.BOOKED
    context.close()


def test_confirming_and_declining_work_without_javascript(bookable, live_server, browser, screenshots):
    context = browser.new_context(viewport=PHONE_SIZE, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    walk = Walk(page, "de", screenshots / "invitation-no-js", axe=False)
    walk.screenshots.mkdir(parents=True, exist_ok=True)
    first = invite(bookable, fixed=True, phone="+4915111110003")
    page.goto(live_server.url + f"/e/{first.token}")
    walk.submit()
    walk.check("confirmed")
    assert Appointment.objects.get(pk=first.invitation.appointment_id).status == Appointment.Status.BOOKED
    second = invite(bookable, fixed=False, phone="+4915111110004")
    page.goto(live_server.url + f"/e/{second.token}/absagen/")
    walk.check("decline")
    walk.submit()
    walk.check("declined")
    assert Invitation.objects.get(pk=second.invitation.pk).status == Invitation.Status.DECLINED
    context.close()
