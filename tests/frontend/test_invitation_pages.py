"""The client's invitation pages (Django's test client): open, confirm, pick, decline, code, refusals."""

import re
from datetime import datetime

import pytest

from appointments.models import Appointment, Invitation
from appointments.services.invitations import invite_client, revoke_invitation
from tests.factories import ClientFactory
from tests.scenario import BERLIN, MONDAY_EVENING, TUESDAY_10

pytestmark = pytest.mark.django_db

DEADLINE = MONDAY_EVENING


@pytest.fixture
def invited(now, caseworker, topic):
    """A fixed-time invitation of a client by SMS; the clear token and code."""
    topic.invitation_notice = "Wenn Sie ohne wichtigen Grund nicht kommen, kann das Folgen haben."
    topic.save()
    return invite_client(
        caseworker=caseworker,
        topic=topic,
        client=ClientFactory(language="de"),
        modes=["telephone", "video"],
        start=TUESDAY_10,
        deadline=DEADLINE,
        note="Bitte halten Sie Ihren Lebenslauf bereit.",
        channels=["sms"],
        invited_by=caseworker.user,
    )


@pytest.fixture
def window_invited(now, caseworker, topic):
    return invite_client(
        caseworker=caseworker,
        topic=topic,
        client=ClientFactory(language="de"),
        modes=["video"],
        window=(datetime(2026, 12, 1, 0, tzinfo=BERLIN), datetime(2026, 12, 3, 0, tzinfo=BERLIN)),
        deadline=DEADLINE,
        channels=["sms"],
        invited_by=caseworker.user,
    )


def test_the_link_shows_who_why_when_and_the_notice(client, invited, caseworker, topic):
    page = client.get(f"/e/{invited.token}").text
    assert caseworker.display_name in page
    assert topic.name in page
    assert "Lebenslauf" in page
    assert "Folgen haben" in page
    assert "Dienstag, 1. Dezember 2026" in page
    assert Invitation.objects.get().opened_at is not None


def test_one_tap_confirms_and_leads_to_the_done_page(client, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/e/{invited.token}/", {"mode": "telephone"})
    assert answer.url == "/termin/fertig/"
    done = client.get("/termin/fertig/").text
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.mode == "telephone"
    assert appointment.reference in done
    assert "calendar.ics?token=" in done
    again = client.get(f"/e/{invited.token}/")
    assert again.status_code == 410
    assert "bereits" in again.text  # already used, in German


def test_this_time_does_not_suit_offers_other_times_of_the_same_caseworker(client, invited):
    page = client.get(f"/e/{invited.token}/zeit/").text
    starts = re.findall(r'name="start" value="([^"]+)"', page)
    assert "2026-12-01T10:00:00+01:00" not in starts
    assert "2026-12-01T09:00:00+01:00" in starts
    answer = client.post(f"/e/{invited.token}/zeit/", {"start": "2026-12-01T09:00:00+01:00", "mode": "video"})
    assert answer.url == "/termin/fertig/"
    booked = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert booked.start == datetime(2026, 12, 1, 9, tzinfo=BERLIN)
    assert Appointment.objects.get(status=Appointment.Status.CANCELLED).start == TUESDAY_10


def test_a_window_invitation_lists_its_times_on_the_page(client, window_invited):
    page = client.get(f"/e/{window_invited.token}/").text
    starts = re.findall(r'name="start" value="([^"]+)"', page)
    assert starts[0] == "2026-12-01T09:00:00+01:00"
    assert all(start.startswith(("2026-12-01", "2026-12-02")) for start in starts)
    answer = client.post(f"/e/{window_invited.token}/zeit/", {"start": starts[1]})
    assert answer.url == "/termin/fertig/"


def test_a_bad_or_taken_time_goes_back_to_the_list(client, window_invited):
    answer = client.post(f"/e/{window_invited.token}/zeit/", {"start": "nonsense"})
    assert answer.url == f"/e/{window_invited.token}/zeit/"
    assert not Appointment.objects.exists()


def test_declining_asks_first_then_frees_the_time(client, invited):
    assert "Einladung absagen?" in client.get(f"/e/{invited.token}/absagen/").text
    assert Invitation.objects.get().status == Invitation.Status.OPEN
    answer = client.post(f"/e/{invited.token}/absagen/")
    assert answer.status_code == 200
    assert Invitation.objects.get().status == Invitation.Status.DECLINED
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


@pytest.mark.parametrize("path", ["/e/{token}/", "/e/{token}/zeit/", "/e/{token}/absagen/"])
def test_a_withdrawn_invitation_is_a_clear_page_not_an_error(client, invited, caseworker, path):
    revoke_invitation(invitation=invited.invitation, by=caseworker.user)
    for method in (client.get, client.post):
        answer = method(path.format(token=invited.token))
        assert answer.status_code == 410
        assert "zurückgezogen" in answer.text


def test_an_unknown_link_is_a_clear_404(client, now):
    answer = client.get("/e/" + "x" * 22 + "/")
    assert answer.status_code == 404
    assert "Code aus dem Brief" in answer.text


def test_the_code_from_the_letter_opens_the_invitation(client, invited):
    assert client.get("/e/").status_code == 200
    answer = client.post("/e/", {"code": invited.code.lower().replace("-", " ")})
    assert answer.url == "/e/brief/"
    assert "Lebenslauf" in client.get("/e/brief/").text
    assert client.post("/e/brief/", {"mode": "video"}).url == "/termin/fertig/"
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_the_code_in_the_address_only_fills_in_the_form(client, invited):
    page = client.get("/e/", {"code": invited.code.lower()})

    assert page.status_code == 200
    assert f'value="{invited.code}"' in page.text
    assert Invitation.objects.get().opened_at is None  # nothing was looked up
    assert client.get("/e/brief/").status_code == 404
    assert client.post(f"/e/?code={invited.code}", {"code": invited.code}).url == "/e/brief/"


def test_only_the_characters_of_a_code_are_taken_from_the_address(client, now):
    page = client.get("/e/", {"code": '"><script>x</script>' + "A" * 40})

    field = re.search(r'<input[^>]*name="code"[^>]*>', page.text).group(0)
    assert "<script" not in page.text.split("<main")[-1]
    assert re.search(r'value="([^"]*)"', field).group(1) == ("SCRIPTXSCRIPT" + "A" * 40)[:30]


def test_a_wrong_code_says_so_and_guessing_is_throttled(client, invited, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "invitation_code": "3/hour",
        },
    }
    for _ in range(3):
        answer = client.post("/e/", {"code": "ACDEF-HJKMN"})
        assert answer.status_code == 200
        assert "nicht bekannt" in answer.text
    answer = client.post("/e/", {"code": invited.code})
    assert answer.status_code == 429
    assert "Zu viele Versuche" in answer.text


def test_without_a_session_the_letter_path_is_a_clear_page(client, now):
    assert client.get("/e/brief/").status_code == 404


@pytest.mark.parametrize(
    ("language", "heading", "closed"),
    [
        ("en", "You are invited", "withdrawn by the job centre"),
        ("tr", "Davetlisiniz", "geri çekildi"),
        ("ar", "أنت مدعو", "سحب مركز العمل"),
        ("uk", "Вас запрошено", "відкликав"),
        ("ru", "Вы приглашены", "отозвал"),
    ],
)
def test_the_pages_are_translated(client, invited, caseworker, language, heading, closed):
    client.cookies["django_language"] = language
    page = client.get(f"/e/{invited.token}/").text
    assert f'lang="{language}"' in page
    assert heading in page
    revoke_invitation(invitation=invited.invitation, by=caseworker.user)
    assert closed in client.get(f"/e/{invited.token}/").text
