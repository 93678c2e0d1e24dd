"""The invitation letter: render it, read its text back, and decode its QR code back to the link."""

import re
import unicodedata
from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from appointments.exceptions import ApplicationError
from appointments.models import Invitation
from appointments.services.invitations import (
    InvitationNotFound,
    code_entry_url,
    find_invitation_by_code,
    invite_client,
    revoke_invitation,
)
from appointments.services.letters import Letter, code_address, letters_pdf, reprint_letters
from tests.factories import CaseworkerFactory, ClientFactory, OfficeFactory, TopicFactory, week_of_hours
from tests.pdf import page_qr_codes, page_texts
from tests.scenario import BERLIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return OfficeFactory(name="Jobcenter Frankfurt Mitte", phone="069 123 456")


def invitation(office, *, language="de", start=None, window=None, note="", notice="", name="Ayşe Demir"):
    """An unsaved invitation: the letter reads its fields and never the token or code hashes."""
    topic = TopicFactory(office=office, name="Arbeitsvermittlung", invitation_notice=notice)
    return Invitation(
        client=ClientFactory(name=name, language=language),
        caseworker=CaseworkerFactory(office=office, display_name="Frau Yılmaz"),
        topic=topic,
        modes=["telephone", "video"],
        language=language,
        start=start,
        window_from=window[0] if window else None,
        window_until=window[1] if window else None,
        deadline=datetime(2026, 12, 7, 18, 0, tzinfo=BERLIN),
        note=note,
    )


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
LINK = "https://termine.example/e/Zq3fK2mN8xWb4yVt1sRa0c/"


def test_a_fixed_time_letter_says_who_what_when_and_how_to_answer(office, settings):
    settings.SITE_URL = "https://termine.example"
    letter = Letter(
        invitation=invitation(
            office,
            start=datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN),
            note="Bitte halten Sie Ihre Bewerbungsunterlagen bereit.",
            notice="Rechtsfolgenbelehrung: Kommen Sie ohne wichtigen Grund nicht, "
            "kann das Bürgergeld gemindert werden.",
        ),
        link=LINK,
        code="K7QM-4TXR",
    )

    pdf = letters_pdf([letter], now=NOW)

    assert pdf.startswith(b"%PDF")
    (page,) = page_texts(pdf)
    flat = " ".join(page.split())
    for expected in (
        "Jobcenter Frankfurt Mitte",
        "Telefon: 069 123 456",
        "Ayşe Demir",
        "Einladung zum Gespräch",
        "Frau Yılmaz lädt Sie zu einem Gespräch ein. Thema: Arbeitsvermittlung.",
        "Telefon, Video",
        "Ihr Termin: Dienstag, 8. Dezember 2026 um 10:00 Uhr.",
        "bis Montag, 7. Dezember 2026 um 18:00 Uhr",
        "Bitte halten Sie Ihre Bewerbungsunterlagen bereit.",
        "Wichtiger Hinweis",
        "kann das Bürgergeld gemindert werden",
        LINK,
        "termine.example/e/",
        "K7QM-4TXR",
        "Datum: Montag, 30. November 2026",
    ):
        assert expected in flat, expected
    assert page_qr_codes(pdf) == [[LINK]]


def test_a_window_letter_names_the_first_and_the_last_day(office):
    letter = Letter(
        invitation=invitation(
            office,
            language="en",
            window=(datetime(2026, 12, 1, 0, 0, tzinfo=BERLIN), datetime(2026, 12, 15, 0, 0, tzinfo=BERLIN)),
        ),
        link=LINK,
        code="K7QM-4TXR",
    )

    (page,) = page_texts(letters_pdf([letter], now=NOW))

    flat = " ".join(page.split())
    assert "Invitation to a consultation" in flat
    # The window ends at midnight of the 15th, so its last day is the 14th.
    assert "between Tuesday, 1 December 2026 and Monday, 14 December 2026" in flat
    assert "Please choose by Monday, 7 December 2026 at 18:00" in flat
    assert "Wichtiger" not in flat  # no notice stored for the topic, no empty heading


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("ar", "دعوة إلى مقابلة"),
        ("tr", "Görüşmeye davet"),
        ("uk", "Запрошення на розмову"),
        ("ru", "Приглашение на беседу"),
        ("ti", "ዕድመ ንርክብ"),  # Ge'ez, from the fallback font
        ("pl", "Zaproszenie na rozmowę"),
        ("bg", "Покана за разговор"),
    ],
)
def test_the_letter_is_in_the_clients_language_and_its_qr_code_still_decodes(office, language, title):
    letter = Letter(
        invitation=invitation(office, language=language, start=datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)),
        link=LINK,
        code="K7QM-4TXR",
    )

    pdf = letters_pdf([letter], now=NOW)

    (page,) = page_texts(pdf)
    # Shaped Arabic comes back as presentation forms in visual order: compare letters, not order.
    letters = unicodedata.normalize("NFKC", page)
    if language == "ar":
        assert set(title.replace(" ", "")) <= set(letters)
        assert "يدعوك"[::-1] in letters.replace(" ", "") or "يدعوك" in letters
    else:
        assert title in " ".join(letters.split())
    assert "K7QM-4TXR" in page
    assert LINK in page
    assert "069 123 456" in page  # the phone number keeps its order, also right to left
    assert page_qr_codes(pdf) == [[LINK]]


def test_many_letters_go_into_one_pdf_one_letter_a_page_in_order(office):
    letters = [
        Letter(
            invitation=invitation(
                office, name=f"Client {n}", start=datetime(2026, 12, 8, 10 + n, 0, tzinfo=BERLIN)
            ),
            link=f"https://termine.example/e/token{n}/",
            code=f"CODE-000{n}",
        )
        for n in range(3)
    ]

    pdf = letters_pdf(letters, now=NOW)

    texts = page_texts(pdf)
    assert len(texts) == 3
    for n, page in enumerate(texts):
        assert f"Client {n}" in page
        assert f"CODE-000{n}" in page
    assert page_qr_codes(pdf) == [[f"https://termine.example/e/token{n}/"] for n in range(3)]


def test_a_long_notice_flows_onto_a_second_page_of_the_same_letter(office):
    notice = "Rechtsfolgenbelehrung. " + "Dieser Satz ist Teil eines langen Hinweises. " * 200
    letter = Letter(
        invitation=invitation(office, start=datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN), notice=notice),
        link=LINK,
        code="K7QM-4TXR",
    )

    texts = page_texts(letters_pdf([letter], now=NOW))

    assert len(texts) >= 2
    assert "K7QM-4TXR" in texts[0]
    assert page_qr_codes(letters_pdf([letter], now=NOW))[0] == [LINK]


def test_the_code_address_is_the_site_without_its_scheme(settings):
    settings.SITE_URL = "https://termine.jobcenter.example"
    assert code_address() == "termine.jobcenter.example/e/"


def test_no_letters_is_a_clear_error_not_an_empty_pdf():
    with pytest.raises(ValueError, match="no letters"):
        letters_pdf([])


def test_a_missing_font_says_which_package_brings_it(office, settings, tmp_path):
    settings.LETTER_FONT_DIR = str(tmp_path)
    fixed = invitation(office, start=datetime(2026, 12, 8, 10, tzinfo=BERLIN))
    with pytest.raises(ImproperlyConfigured, match="fonts-dejavu-core"):
        letters_pdf([Letter(invitation=fixed, link=LINK, code="X")], now=NOW)


def saved_invitation(caseworker, topic, name):
    """A real, saved invitation (its code hash stored) by letter, to a window in the next days."""
    return invite_client(
        caseworker=caseworker,
        topic=topic,
        client=ClientFactory(name=name, language="de"),
        modes=["telephone"],
        window=(datetime(2026, 12, 1, 0, tzinfo=BERLIN), datetime(2026, 12, 5, 0, tzinfo=BERLIN)),
        deadline=datetime(2026, 12, 2, 18, tzinfo=BERLIN),
        channels=["letter"],
        invited_by=caseworker.user,
    )


def test_a_reprint_gives_each_open_invitation_a_new_code_its_qr_fills_the_code_form(
    now, settings, caseworker, topic
):
    settings.SITE_URL = "https://termine.example"
    first, second, closed = (saved_invitation(caseworker, topic, name) for name in ("Anna", "Bora", "Cem"))
    revoke_invitation(invitation=closed.invitation, by=caseworker.user)
    closed_hash = Invitation.objects.get(pk=closed.invitation.pk).code_hash

    reprint = reprint_letters(
        invitations=[first.invitation, closed.invitation, second.invitation], by=caseworker.user
    )

    assert reprint.printed == [first.invitation, second.invitation]
    assert reprint.closed == [closed.invitation]
    texts, qr_codes = page_texts(reprint.pdf), page_qr_codes(reprint.pdf)
    assert len(texts) == 2
    for page, codes, name, old in zip(texts, qr_codes, ("Anna", "Bora"), (first, second), strict=True):
        (new_code,) = set(re.findall(r"[A-Z0-9]{5}-[A-Z0-9]{5}", page))
        assert name in page
        assert codes == [code_entry_url(new_code)] == [f"https://termine.example/e/?code={new_code}"]
        assert find_invitation_by_code(code=new_code) == old.invitation
        with pytest.raises(InvitationNotFound):
            find_invitation_by_code(code=old.code)
    assert Invitation.objects.get(pk=closed.invitation.pk).code_hash == closed_hash


def test_when_the_letters_cannot_be_printed_no_code_changes(now, settings, caseworker, topic, tmp_path):
    issued = saved_invitation(caseworker, topic, "Anna")
    settings.LETTER_FONT_DIR = str(tmp_path)

    with pytest.raises(ImproperlyConfigured):
        reprint_letters(invitations=[issued.invitation], by=caseworker.user)

    assert find_invitation_by_code(code=issued.code) == issued.invitation


def test_one_invitation_not_the_callers_changes_no_code_at_all(now, caseworker, topic):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)
    mine, theirs = saved_invitation(caseworker, topic, "Anna"), saved_invitation(colleague, topic, "Bora")

    with pytest.raises(ApplicationError):
        reprint_letters(invitations=[mine.invitation, theirs.invitation], by=caseworker.user)

    assert find_invitation_by_code(code=mine.code) == mine.invitation
    assert find_invitation_by_code(code=theirs.code) == theirs.invitation
