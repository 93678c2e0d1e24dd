"""Every language in the picker by its own name and in <html lang dir>; German if its files are missing."""

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import check_for_language, get_language_info, to_locale

pytestmark = pytest.mark.django_db

RIGHT_TO_LEFT = {"ar", "fa", "prs", "ps"}
CONFIGURED = [code for code, _ in settings.LANGUAGES]
# A language is switched on as soon as its catalogue (frontend/locale/<locale>) is there.
WITH_CATALOGUE = [code for code in CONFIGURED if check_for_language(code)]
WITHOUT_CATALOGUE = [code for code in CONFIGURED if not check_for_language(code)]


def test_the_picker_names_every_language_in_its_own_script_and_direction(client):
    page = client.get("/").text
    for code, name in settings.LANGUAGES[6:]:  # the new ones: named as in settings
        assert get_language_info(code)["name_local"] == name
    for code in CONFIGURED:
        direction = "rtl" if code in RIGHT_TO_LEFT else "ltr"
        assert f'value="{code}" lang="{code}" dir="{direction}"' in page
        assert f">{get_language_info(code)['name_local']}</button>" in page


@pytest.mark.parametrize("language", WITH_CATALOGUE)
def test_a_language_with_its_catalogue_gives_its_page(client, language):
    assert client.post("/i18n/setlang/", {"language": language, "next": "/"}).status_code == 302
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    assert f'<html lang="{language}" dir="{direction}"' in client.get("/").text


@pytest.mark.parametrize("language", WITHOUT_CATALOGUE or ["xx"])
def test_a_language_without_its_catalogue_gives_the_german_page(client, language):
    page = client.get("/", headers={"accept-language": language})
    assert page.status_code == 200
    assert '<html lang="de" dir="ltr"' in page.text
    assert "Termin buchen" in page.text


def test_leichte_sprache_is_german_to_screen_readers_and_german_where_it_has_no_text(client):
    client.post("/i18n/setlang/", {"language": "de-x-ls", "next": "/"})
    page = client.get("/").text
    assert '<html lang="de-x-ls" dir="ltr"' in page
    assert "Einen Termin machen" in page  # "Book an appointment" in Leichte Sprache
    with translation.override("de-x-ls"):
        assert translation.gettext("Log in") == "Anmelden"  # staff page: German, not English


def test_every_catalogue_is_a_configured_language_with_plural_forms():
    locales = {to_locale(code) for code in CONFIGURED}
    catalogues = list(settings.LOCALE_PATHS[0].glob("*/LC_MESSAGES/django.po"))
    assert len(catalogues) >= 7
    for catalogue in catalogues:
        assert catalogue.parent.parent.name in locales, catalogue
        assert '"Plural-Forms: nplurals=' in catalogue.read_text(encoding="utf-8"), catalogue


def _translated(folder: Path, code: str) -> set:
    """The msgids a compiled catalogue translates (plural forms as (msgid, index))."""
    with (folder / to_locale(code) / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        return set(gettext.GNUTranslations(compiled)._catalog)


@pytest.mark.parametrize(
    "folder", [settings.LOCALE_PATHS[0], Path(settings.BASE_DIR) / "realtime" / "locale"]
)
def test_every_language_translates_every_text_german_has(folder):
    """A page in Tigrinya shows no German: every catalogue translates what the German one does
    (Leichte Sprache excepted: it covers the client's pages and falls back to German)."""
    german = _translated(folder, "de")
    for code in set(CONFIGURED) - {"de", "en", "de-x-ls"}:
        missing = german - _translated(folder, code)
        assert not missing, (code, sorted(map(str, missing))[:5])
