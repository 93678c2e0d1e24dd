"""The text catalogue: every language has every text, and no SMS is longer than two segments."""

from datetime import datetime

import pytest
from django.conf import settings

from appointments.services.texts import (
    LINKS_AND_CODES,
    LRI,
    PDI,
    _catalogue,
    available_languages,
    is_right_to_left,
    render,
    sms_segments,
    when,
)
from tests.scenario import BERLIN

# Every catalogue in appointments/texts: a new language's file is checked as soon as it is there.
LANGUAGES = available_languages()
CONFIGURED = [code for code, _ in settings.LANGUAGES]

# The longest values a real message can carry.
LONG_VALUES = {
    "office": "Jobcenter Landkreis Marburg-Biedenkopf",
    "mode": None,  # filled per language
    "reference": "ACDEFHJK",
    "manage_url": "https://termine.jobcenter-musterstadt.de/m/" + "x" * 22,  # a 128-bit token
    "book_url": "https://termine.jobcenter-musterstadt.de/",
    "find_url": "https://termine.jobcenter-musterstadt.de/m/",
    "code": "123456",
    "phone": "+4915123456789",
    "url": "https://termine.jobcenter-musterstadt.de/e/" + "x" * 22,  # an invitation's link
}
# Wednesday 30 December: the longest day and month names in most of our languages.
LONG_MOMENT = datetime(2026, 12, 30, 11, 45, tzinfo=BERLIN)


def test_the_first_languages_and_leichte_sprache_are_there():
    assert {"de", "en", "tr", "ar", "uk", "ru", "de-x-ls"} <= set(LANGUAGES)


def test_every_catalogue_is_a_configured_language():
    assert set(LANGUAGES) <= set(CONFIGURED)


@pytest.mark.parametrize("language", sorted(set(CONFIGURED) - set(LANGUAGES)) or ["xx"])
def test_a_configured_language_without_its_file_gets_german(language):
    moment = when(language, LONG_MOMENT)  # German formats
    assert moment["time"] == "11:45"
    values = {**LONG_VALUES, "mode": render(language, "modes", "video"), **moment, "deadline": ""}
    assert render(language, "sms", "confirmation", **values) == render("de", "sms", "confirmation", **values)


def flatten(catalogue: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in catalogue.items():
        if isinstance(value, dict):
            keys |= flatten(value, f"{prefix}{key}.")
        else:
            keys.add(f"{prefix}{key}")
    return keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_text(language):
    assert flatten(_catalogue(language)) == flatten(_catalogue("de"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", sorted(_catalogue("de")["sms"]))
@pytest.mark.parametrize("mode", ["telephone", "video", "in_person"])
def test_every_sms_fits_two_segments(language, key, mode):
    moment = when(language, LONG_MOMENT)
    values = {**LONG_VALUES, "mode": render(language, "modes", mode), **moment}
    values["deadline"] = f"{moment['date']} {moment['time']}"  # an invitation's deadline
    body = render(language, "sms", key, **values)
    assert "{" not in body
    assert sms_segments(body) <= 2, (
        f"{language}.{key}: {sms_segments(body)} segments, {len(body)} chars: {body}"
    )


RIGHT_TO_LEFT = [code for code, _name in settings.LANGUAGES if is_right_to_left(code)]


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
@pytest.mark.parametrize("key", sorted(_catalogue("de")["sms"]))
def test_sms_in_right_to_left_languages_isolate_numbers_codes_and_links(language, key):
    values = {**LONG_VALUES, "mode": render(language, "modes", "video"), **when(language, LONG_MOMENT)}
    values["deadline"] = "30/12 11:45"
    body = render(language, "sms", key, **values)
    for name in LINKS_AND_CODES:
        if f"{{{name}}}" in _catalogue(language)["sms"][key]:
            assert f"{LRI}{values[name]}{PDI}" in body, f"{key}: {name} not isolated"
    assert body.count(LRI) == body.count(PDI)
    assert sms_segments(body) <= 2, f"{language}.{key}: {sms_segments(body)} segments: {body!r}"


@pytest.mark.parametrize("language", ["de", "tr", "en"])
def test_sms_in_left_to_right_languages_have_no_isolates(language):
    values = {**LONG_VALUES, "mode": "Video", "date": "30.12.", "time": "11:45"}
    body = render(language, "sms", "confirmation", **values)
    assert LRI not in body
    assert PDI not in body


def test_e_mails_have_no_isolates_even_in_arabic():
    values = {**LONG_VALUES, "mode": "فيديو", "next_steps": "", **when("ar", LONG_MOMENT)}
    assert LRI not in render("ar", "email", "confirmation", **values)


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("Grüße aus Köln, Straße" + "a" * 138, 1),  # ä ö ü ß are GSM-7
        ("€" * 80, 1),  # € takes two septets
        ("€" * 81, 2),
        ("ş" + "a" * 69, 1),  # one Turkish ş makes the whole text UCS-2
        ("ş" + "a" * 70, 2),
        ("ş" + "a" * 133, 2),
        ("ş" + "a" * 134, 3),
        ("مرحبا" * 14, 1),
        ("Привет" * 12, 2),
    ],
)
def test_segments_are_counted_as_carriers_count_them(body, segments):
    assert sms_segments(body) == segments


def test_dates_are_written_in_the_language():
    assert when("de", LONG_MOMENT)["long_date"] == "Mittwoch, 30. Dezember 2026"
    assert when("ru", LONG_MOMENT)["long_date"] == "Среда, 30 декабря 2026"
    assert "Aralık" in when("tr", LONG_MOMENT)["long_date"]
    assert "ديسمبر" in when("ar", LONG_MOMENT)["long_date"]


def test_unknown_language_falls_back_to_german():
    assert render("xx", "modes", "video") == render("de", "modes", "video")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", ["offer", "offer_reminder", "moved", "cancelled", "reminder"])
def test_every_interpreter_sms_fits_two_segments(language, key):
    values = {
        "language": "Українська",
        "minutes": 45,
        "mode": render(language, "modes", "telephone"),
        "url": "https://termine.jobcenter-musterstadt.de/dolmetschen/",
        **when(language, LONG_MOMENT),
    }
    body = render(language, "interpreter", key, **values)
    assert sms_segments(body) <= 2, f"{language}.{key}: {len(body)} chars: {body}"


def test_a_short_arabic_sms_isolates_its_date_and_time_too():
    body = render("ar", "sms", "reply_confirmed", date="30/12", time="11:45")
    assert f"{LRI}30/12{PDI}" in body
    assert f"{LRI}11:45{PDI}" in body


def test_a_language_django_does_not_know_is_right_to_left_when_languages_bidi_names_it(settings):
    settings.LANGUAGES_BIDI = [*settings.LANGUAGES_BIDI, "prs"]
    body = render("prs", "sms", "reply_confirmed", date="30/12", time="11:45")
    assert f"{LRI}11:45{PDI}" in body
