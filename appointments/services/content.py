"""Office and topic texts in the reader's language: the German field, or its translation in `translations`."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from appointments.services.texts import DEFAULT_LANGUAGE

# The texts an office writes, by model, that it may translate (edited in the admin).
TRANSLATED = {"office": ("name",), "topic": ("name", "description", "invitation_notice")}


@dataclass(frozen=True)
class Localized:
    """A text and the language it is in: German when there is no translation (a fallback to mark)."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    @property
    def fell_back(self) -> bool:
        return self.language == DEFAULT_LANGUAGE


def localized(obj, field: str, language: str | None = None) -> Localized:
    """The field of an office or topic in the language (default: the active one), else in German."""
    if field not in TRANSLATED[obj._meta.model_name]:
        raise ValueError(f"{obj._meta.model_name}.{field} is not translated")
    language = language or translation.get_language() or DEFAULT_LANGUAGE
    text = (obj.translations.get(language) or {}).get(field, "").strip()
    if language != DEFAULT_LANGUAGE and text:
        return Localized(text, language)
    return Localized(getattr(obj, field), DEFAULT_LANGUAGE)


def translation_languages() -> list[tuple[str, str]]:
    """The languages besides German an office may translate its texts into (settings.LANGUAGES)."""
    return [(code, name) for code, name in settings.LANGUAGES if code != DEFAULT_LANGUAGE]
