"""Inviting from the workspace: the form, the letter right after, the list, withdrawal, reprint."""

import base64
import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appointments.models import Client, Invitation, Notification
from appointments.services.booking import ClientDetails
from appointments.services.invitations import invite_client
from tests.factories import (
    CaseworkerFactory,
    ClientFactory,
    InterpreterFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)
from tests.pdf import page_qr_codes, page_texts
from tests.scenario import ENGLISH, TUESDAY_10

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

NEW = {
    "new-name": "Nour Haddad",
    "new-phone": "0151 2345 6789",
    "new-email": "",
    "new-customer_number": "123D456789",
    "new-language": "ar",
    "new-sms_consent": "on",
}


def form(caseworker, topic, **extra):
    return {
        "action": "invite",
        "once": extra.pop("once", "form-1"),
        "caseworker": caseworker.pk,
        "topic": topic.slug,
        "modes": ["telephone", "video"],
        "kind": "fixed",
        "start": TUESDAY_10.isoformat(),
        "window_days": "10",
        "deadline": "2026-11-30",
        "note": "Bitte Lebenslauf bereithalten.",
        "language": "",
        "interpreter_language": "",
        "channels": ["sms", "letter"],
        **extra,
    }


@pytest.fixture
def staff(client, caseworker):
    client.force_login(caseworker.user)
    return client


def letter_of(page) -> bytes:
    href = re.search(r'href="data:application/pdf;base64,([^"]+)"', page.text).group(1)
    return base64.b64decode(href)


def test_the_form_offers_the_caseworkers_own_free_times(staff, caseworker, topic):
    page = staff.get("/fachkraft/einladen/", headers=ENGLISH)

    assert page.status_code == 200
    assert f'<option value="{TUESDAY_10.isoformat()}">' in page.text
    assert "Invite a client" in page.text


def test_a_caseworker_invites_a_new_client_and_gets_the_letter_once(staff, caseworker, topic):
    page = staff.post("/fachkraft/einladen/", {**form(caseworker, topic), **NEW}, headers=ENGLISH)

    assert page.status_code == 200, page.text
    invitation = Invitation.objects.get()
    assert invitation.client.name == "Nour Haddad"
    assert invitation.language == "ar"
    assert invitation.start == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert invitation.deadline <= invitation.start
    code = re.search(r"data-invitation-code><bdi[^>]*>([^<]+)<", page.text).group(1)
    link = re.search(r"data-invitation-link><bdi[^>]*>([^<]+)<", page.text).group(1)
    (text,) = page_texts(letter_of(page))
    assert code in text
    assert link in text
    # The clear token is nowhere in the database: only its hash.
    assert link.rsplit("/", 1)[-1] not in str(list(Invitation.objects.values()))


def test_a_double_submit_invites_once(staff, caseworker, topic):
    first = staff.post("/fachkraft/einladen/", {**form(caseworker, topic), **NEW}, headers=ENGLISH)
    again = staff.post("/fachkraft/einladen/", {**form(caseworker, topic), **NEW}, headers=ENGLISH)

    assert first.status_code == 200
    assert again.status_code == 302
    assert again["Location"] == "/fachkraft/einladungen/"
    assert Invitation.objects.count() == 1


def test_an_existing_client_is_picked_by_id_and_a_window_is_offered(staff, caseworker, topic):
    known = ClientFactory(name="Olena Kovalenko", phone="+4915199990000", language="uk", sms_consent=True)
    # The caseworker sees their own clients: one earlier invitation links them.
    staff.post("/fachkraft/einladen/", {**form(caseworker, topic, once="a"), **NEW})
    search = {"action": "search", "query": "0151 2345 6789"}
    found = staff.post("/fachkraft/einladen/", search, headers=ENGLISH)
    nour = Client.objects.get(name="Nour Haddad")
    assert f"?kunde={nour.pk}" in found.text

    page = staff.post(
        f"/fachkraft/einladen/?kunde={nour.pk}",
        form(caseworker, topic, once="b", kind="window", start="", deadline="2026-12-04"),
        headers=ENGLISH,
    )

    assert page.status_code == 200, page.text
    window = Invitation.objects.filter(start__isnull=True).get()
    assert window.client == nour
    assert window.window_until > window.window_from
    assert known.invitations.count() == 0


def test_bad_input_is_a_400_with_the_reason_and_nothing_is_written(staff, caseworker, topic):
    page = staff.post(
        "/fachkraft/einladen/", {**form(caseworker, topic, start="", channels=[]), **NEW}, headers=ENGLISH
    )

    assert page.status_code == 400
    assert "Please choose a time." in page.text
    assert "Choose how the invitation is sent." in page.text
    assert not Invitation.objects.exists()
    assert not Client.objects.exists()


def test_a_caseworker_cannot_invite_for_a_colleague(staff, caseworker, topic):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)

    page = staff.post("/fachkraft/einladen/", {**form(colleague, topic), **NEW}, headers=ENGLISH)

    assert page.status_code == 400
    assert not Invitation.objects.exists()


def invited(caseworker, topic, *, name="Aylin Demir", phone="0151 23456789", start=None):
    return invite_client(
        caseworker=caseworker,
        topic=topic,
        client=ClientDetails(name=name, phone=phone, sms_consent=True),
        modes=["telephone"],
        start=start or datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        deadline=datetime(2026, 11, 30, 20, 0, tzinfo=UTC),
        channels=["sms", "letter"],
        invited_by=caseworker.user,
    )


def test_the_list_shows_the_state_of_each_invitation(staff, caseworker, topic):
    issued = invited(caseworker, topic)
    Notification.objects.filter(invitation=issued.invitation).update(
        status=Notification.Status.SENT, delivery_status="delivered"
    )

    page = staff.get("/fachkraft/einladungen/", headers=ENGLISH)

    assert page.status_code == 200
    row = page.text.split(f'data-invitation="{issued.invitation.pk}"')[1].split("</tr>")[0]
    assert "Aylin Demir" in row
    assert 'data-state="delivered">delivered<' in row
    assert "Withdraw the invitation of Aylin Demir" in row


def test_a_colleagues_invitation_is_not_listed_but_the_coordinator_sees_it(client, caseworker, topic):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)
    theirs = invited(colleague, topic, name="Fremde Person")
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)

    client.force_login(caseworker.user)
    assert "Fremde Person" not in client.get("/fachkraft/einladungen/").text
    assert client.post(f"/fachkraft/einladungen/{theirs.invitation.pk}/zurueckziehen/").status_code == 404
    client.force_login(coordinator.user)
    assert "Fremde Person" in client.get("/fachkraft/einladungen/").text


def test_withdrawing_closes_the_invitation(staff, caseworker, topic):
    issued = invited(caseworker, topic)

    response = staff.post(f"/fachkraft/einladungen/{issued.invitation.pk}/zurueckziehen/")
    again = staff.post(f"/fachkraft/einladungen/{issued.invitation.pk}/zurueckziehen/", follow=True)

    assert response.status_code == 302
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == Invitation.Status.REVOKED
    assert again.status_code == 200  # a second press is a notice, not an error page


def test_a_reprint_has_a_new_code_and_the_old_code_stops(staff, caseworker, topic):
    issued = invited(caseworker, topic)
    old_hash = Invitation.objects.get().code_hash

    response = staff.post(f"/fachkraft/einladungen/{issued.invitation.pk}/brief/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    (text,) = page_texts(response.content)
    assert issued.code not in text
    assert Invitation.objects.get().code_hash != old_hash


@pytest.mark.parametrize("who", ["interpreter", "client", "anonymous"])
def test_others_get_404_or_the_login(client, who):
    if who == "interpreter":
        client.force_login(InterpreterFactory(user=UserFactory()).user)
    elif who == "client":
        client.force_login(UserFactory())
    for url in ("/fachkraft/einladen/", "/fachkraft/einladungen/"):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith("/konto/login/")
        else:
            assert response.status_code == 404


def test_the_form_speaks_the_viewers_language(staff, caseworker, topic):
    page = staff.get("/fachkraft/einladen/", headers={"accept-language": "de"})

    assert "die nächsten 10 Arbeitstage" in page.text
    assert "Einladung versenden" in page.text
    arabic = staff.get("/fachkraft/einladen/", headers={"accept-language": "ar"})
    assert "أيام العمل الـ10 القادمة" in arabic.text


def test_an_expired_invitation_is_on_the_day_page_to_follow_up_until_the_client_is_invited_again(
    staff, caseworker, topic, time_machine
):
    issued = invited(caseworker, topic, name="Kemal Aydın")
    Invitation.objects.filter(pk=issued.invitation.pk).update(status=Invitation.Status.EXPIRED)

    page = staff.get("/fachkraft/", headers=ENGLISH)

    assert "To follow up" in page.text
    follow_up = page.text.split('id="to-follow-up"')[1].split("</section>")[0]
    assert f'data-invitation="{issued.invitation.pk}"' in follow_up
    assert f"?kunde={issued.invitation.client_id}" in follow_up
    time_machine.shift(60)
    invited(caseworker, topic, name="Kemal Aydın", start=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert "To follow up" not in staff.get("/fachkraft/", headers=ENGLISH).text


LIST = (
    "customer number;mobile;language;caseworker;topic;window;name\n"
    "123D000002;0151 12340002;ar;{worker};buergergeld;10;Nour Haddad\n"
    "123D000003;0151 12340003;uk;{worker};buergergeld;10;Olena Kovalenko\n"
)


@pytest.fixture
def coordinator_client(client, caseworker):
    coordinator = CaseworkerFactory(office=caseworker.office, is_coordinator=True)
    client.force_login(coordinator.user)
    return client


def upload(browser, text, **extra):
    return browser.post(
        "/fachkraft/einladungen/import/",
        {
            "action": "preview",
            "file": SimpleUploadedFile("liste.csv", text.encode(), content_type="text/csv"),
            "modes": ["telephone"],
            "channels": ["letter"],
            **extra,
        },
        headers=ENGLISH,
    )


def test_a_coordinator_imports_a_list_after_a_preview_and_gets_all_letters_in_one_pdf(
    coordinator_client, caseworker
):
    preview = upload(coordinator_client, LIST.format(worker=caseworker.display_name))

    assert preview.status_code == 200, preview.text
    assert "2 invitations are ready to be sent." in preview.text
    assert not Invitation.objects.exists()
    import_id = re.search(r'name="import" value="([^"]+)"', preview.text).group(1)
    done = coordinator_client.post(
        "/fachkraft/einladungen/import/", {"action": "confirm", "import": import_id}, headers=ENGLISH
    )
    again = coordinator_client.post(
        "/fachkraft/einladungen/import/", {"action": "confirm", "import": import_id}, headers=ENGLISH
    )

    assert done.status_code == 200
    assert 'data-imported="2"' in done.text
    assert Invitation.objects.count() == 2
    pdf = base64.b64decode(re.search(r'href="data:application/pdf;base64,([^"]+)"', done.text).group(1))
    assert len(page_texts(pdf)) == 2
    assert again.status_code == 302  # the double submit imports once
    assert Invitation.objects.count() == 2


def test_the_preview_reports_the_refused_rows_and_offers_no_confirmation(coordinator_client, caseworker):
    text = (
        LIST.format(worker=caseworker.display_name) + "1;0151 12340004;de;Herr Niemand;buergergeld;10;X Y\n"
    )

    preview = upload(coordinator_client, text)

    assert preview.status_code == 200
    assert "1 of 3 rows cannot be imported." in preview.text
    assert 'data-refused-line="4"' in preview.text
    assert "Herr Niemand" in preview.text
    assert 'value="confirm"' not in preview.text
    assert not Invitation.objects.exists()


def test_a_list_without_its_columns_is_a_400_with_the_reason(coordinator_client):
    page = upload(coordinator_client, "mobile;topic\n0151 1;x\n")

    assert page.status_code == 400
    assert "Columns missing" in page.text


def test_only_coordinators_import(staff):
    assert staff.get("/fachkraft/einladungen/import/").status_code == 404


def test_show_free_times_refreshes_the_times_for_another_caseworker_and_keeps_what_was_typed(
    client, caseworker, topic
):
    coordinator = CaseworkerFactory(office=topic.office, topics=[topic], is_coordinator=True)
    week_of_hours(coordinator, weekdays=[3])  # Thursdays only
    client.force_login(coordinator.user)

    page = client.post(
        "/fachkraft/einladen/",
        {"action": "times", "caseworker": caseworker.pk, "topic": topic.slug, "new-name": "Nour Haddad"},
        headers=ENGLISH,
    )

    assert page.status_code == 200
    assert f'<option value="{TUESDAY_10.isoformat()}">' in page.text  # the chosen caseworker's Tuesday
    assert 'value="Nour Haddad"' in page.text
    assert 'class="error"' not in page.text
    assert "errorlist" not in page.text
    assert not Invitation.objects.exists()


def test_a_window_invitation_can_offer_a_colleagues_times_too(staff, caseworker, topic):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Herr Kollege")
    week_of_hours(colleague)
    page = staff.get("/fachkraft/einladen/", headers=ENGLISH)
    assert "Herr Kollege" in page.text

    answer = staff.post(
        "/fachkraft/einladen/",
        {
            **form(caseworker, topic, kind="window", start="", deadline="2026-12-04", team=[colleague.pk]),
            **NEW,
        },
        headers=ENGLISH,
    )

    assert answer.status_code == 200, answer.text
    assert list(Invitation.objects.get().team.all()) == [colleague]


# --- A coordinator's letters for the post office ---------------------------------------------------

CODE = re.compile(r"[A-Z0-9]{5}-[A-Z0-9]{5}")
AT_11 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def coordinator(client, topic):
    person = CaseworkerFactory(office=topic.office, is_coordinator=True)
    client.force_login(person.user)
    return person


def test_the_list_offers_coordinators_to_tick_the_open_invitations(client, staff, caseworker, topic):
    issued, closed = (
        invited(caseworker, topic),
        invited(caseworker, topic, name="Cem", phone="0151 23456780", start=AT_11),
    )
    staff.post(f"/fachkraft/einladungen/{closed.invitation.pk}/zurueckziehen/")
    assert 'name="invitation"' not in staff.get("/fachkraft/einladungen/").text  # a caseworker: no ticks

    client.force_login(CaseworkerFactory(office=topic.office, is_coordinator=True).user)
    page = client.get("/fachkraft/einladungen/", headers=ENGLISH).text

    assert f'name="invitation" value="{issued.invitation.pk}" form="letters"' in page
    assert f'value="{closed.invitation.pk}" form="letters"' not in page
    assert "Print the ticked letters (one PDF)" in page


def test_a_coordinator_prints_the_ticked_letters_as_one_pdf_with_new_codes(
    client, coordinator, caseworker, topic
):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)
    first = invited(caseworker, topic, name="Anna Berg")
    second = invited(colleague, topic, name="Bora Cetin", phone="0151 23456780")
    closed = invited(caseworker, topic, name="Cem Dag", phone="0151 23456781", start=AT_11)
    client.post(f"/fachkraft/einladungen/{closed.invitation.pk}/zurueckziehen/")
    other_topic = TopicFactory()
    stranger = CaseworkerFactory(office=other_topic.office, topics=[other_topic])
    week_of_hours(stranger)
    foreign = invited(stranger, other_topic, name="Fremde Person", phone="0151 23456782")
    foreign_hash = Invitation.objects.get(pk=foreign.invitation.pk).code_hash
    ids = [
        first.invitation.pk,
        second.invitation.pk,
        closed.invitation.pk,
        foreign.invitation.pk,
        999_999,
        "x",
    ]

    page = client.post("/fachkraft/einladungen/briefe/", {"invitation": ids, "once": "f1"}, headers=ENGLISH)

    assert page.status_code == 200, page.text
    assert 'data-printed="2"' in page.text
    assert "Cem Dag" in page.text.split('data-closed="1"')[1]  # named as not printed
    texts = page_texts(letter_of(page))
    assert len(texts) == 2  # one letter (here one page) per open invitation, none for the closed one
    new_codes = []
    for text, name in zip(texts, ("Anna Berg", "Bora Cetin"), strict=True):
        assert name in text
        (code,) = set(CODE.findall(text))
        new_codes.append(code)
    for code, old in zip(new_codes, (first, second), strict=True):
        assert code != old.code
        assert "nicht bekannt" in client.post("/e/", {"code": old.code}).text
        assert client.post("/e/", {"code": code}).url == "/e/brief/"
    assert "nicht bekannt" not in client.post("/e/", {"code": closed.code}).text  # closed: its own page
    assert "Fremde Person" not in page.text  # another office's invitation: ignored, as if not sent
    assert Invitation.objects.get(pk=foreign.invitation.pk).code_hash == foreign_hash


def test_the_same_form_sent_twice_prints_once(client, coordinator, caseworker, topic):
    issued = invited(caseworker, topic)
    form = {"invitation": [issued.invitation.pk], "once": "f1"}

    first = client.post("/fachkraft/einladungen/briefe/", form)
    code_hash = Invitation.objects.get().code_hash
    again = client.post("/fachkraft/einladungen/briefe/", form, headers=ENGLISH, follow=True)

    assert first.status_code == 200
    assert "Briefe für die Post" in first.text  # German by default
    assert "1 Brief mit neuem Code." in first.text
    (code,) = set(CODE.findall(page_texts(letter_of(first))[0]))
    assert Invitation.objects.get().code_hash == code_hash  # the first PDF's code still works
    assert client.post("/e/", {"code": code}).url == "/e/brief/"
    assert "These letters were printed already" in again.text


def test_only_a_coordinator_prints_and_only_their_offices_letters(client, caseworker, topic):
    issued = invited(caseworker, topic)
    code_hash = Invitation.objects.get().code_hash
    form = {"invitation": [issued.invitation.pk], "once": "f1"}
    other = CaseworkerFactory(is_coordinator=True)
    assert other.office_id != topic.office_id

    client.force_login(caseworker.user)
    assert client.post("/fachkraft/einladungen/briefe/", form).status_code == 404
    client.force_login(other.user)
    refused = client.post("/fachkraft/einladungen/briefe/", form, headers=ENGLISH, follow=True)
    assert "Please tick the invitations" in refused.text
    client.force_login(CaseworkerFactory(office=topic.office, is_coordinator=True).user)
    assert client.get("/fachkraft/einladungen/briefe/").status_code == 405

    assert Invitation.objects.get().code_hash == code_hash


def test_a_reprinted_letters_qr_code_brings_the_client_to_the_filled_code_form(
    staff, caseworker, topic, settings
):
    settings.SITE_URL = "https://termine.example"
    issued = invited(caseworker, topic)

    letter = staff.post(f"/fachkraft/einladungen/{issued.invitation.pk}/brief/").content

    (code,) = set(CODE.findall(page_texts(letter)[0]))
    assert page_qr_codes(letter) == [[f"https://termine.example/e/?code={code}"]]
    form = staff.get(f"/e/?code={code}")
    assert f'value="{code}"' in form.text
    assert staff.post(f"/e/?code={code}", {"code": code}).url == "/e/brief/"
