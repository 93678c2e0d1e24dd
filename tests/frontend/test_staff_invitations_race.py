"""The invite form and a confirmed list import, each submitted many times at once, act once, on PostgreSQL."""

import re
from collections import Counter

import pytest
from django.test import Client as HttpClient

from appointments.models import Client, Invitation
from appointments.services.invitations import find_invitation_by_code
from tests.appointments.services.test_booking_race import race
from tests.factories import CaseworkerFactory
from tests.frontend.test_staff_invitations import CODE, ENGLISH, LIST, NEW, form, invited, letter_of, upload
from tests.pdf import page_texts

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

SUBMITS = 8


def _submit_all(cookie: str, url: str, data: dict) -> tuple[Counter, list]:
    answers = []

    def submit():
        browser = HttpClient()
        browser.cookies["sessionid"] = cookie
        answers.append(browser.post(url, data, headers=ENGLISH))

    return race([submit for _ in range(SUBMITS)], losing=()), answers


def test_one_invite_form_sent_many_times_at_once_invites_once(client, caseworker, topic):
    client.force_login(caseworker.user)

    outcomes, answers = _submit_all(
        client.cookies["sessionid"].value, "/fachkraft/einladen/", {**form(caseworker, topic), **NEW}
    )

    assert outcomes == Counter({"booked": SUBMITS})
    assert Invitation.objects.count() == 1
    assert Client.objects.filter(name="Nour Haddad").count() == 1
    assert sorted(answer.status_code for answer in answers) == [200] + [302] * (SUBMITS - 1)


def test_one_preview_confirmed_many_times_at_once_imports_once(client, caseworker):
    coordinator = CaseworkerFactory(office=caseworker.office, is_coordinator=True)
    client.force_login(coordinator.user)
    preview = upload(client, LIST.format(worker=caseworker.display_name))
    import_id = re.search(r'name="import" value="([^"]+)"', preview.text).group(1)

    outcomes, answers = _submit_all(
        client.cookies["sessionid"].value,
        "/fachkraft/einladungen/import/",
        {"action": "confirm", "import": import_id},
    )

    assert outcomes == Counter({"booked": SUBMITS})
    assert Invitation.objects.count() == 2
    assert sorted(answer.status_code for answer in answers) == [200] + [302] * (SUBMITS - 1)


def test_one_letters_form_sent_many_times_at_once_prints_once(client, caseworker, topic):
    issued = invited(caseworker, topic)
    client.force_login(CaseworkerFactory(office=topic.office, is_coordinator=True).user)

    outcomes, answers = _submit_all(
        client.cookies["sessionid"].value,
        "/fachkraft/einladungen/briefe/",
        {"invitation": [issued.invitation.pk], "once": "letters-1"},
    )

    assert outcomes == Counter({"booked": SUBMITS})
    assert sorted(answer.status_code for answer in answers) == [200] + [302] * (SUBMITS - 1)
    (printed,) = [answer for answer in answers if answer.status_code == 200]
    (code,) = set(CODE.findall(page_texts(letter_of(printed))[0]))
    assert find_invitation_by_code(code=code) == issued.invitation  # no later run voided this PDF's code
