"""The text catalogue (appointments/texts/<lang>.toml): SMS, e-mail, invite and letter texts; SMS segments."""

import re
import tomllib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import dateformat, translation

# A client's private links (manage /m/<token>, invitation /e/<token>) and one-time codes.
_PRIVATE_LINK = re.compile(r"/([me])/[A-Za-z0-9_-]+")
_CODE = re.compile(r"\b\d{6}\b")

CATALOGUES = Path(__file__).resolve().parent.parent / "texts"
DEFAULT_LANGUAGE = "de"
# Texts of no one kind of message: formats, mode names, the e-mails' next steps, the calendar
# invite and the printed letter. Every other text belongs to a kind in appointments.outbox_kinds.
SHARED_TEXTS = ("date_format", "time_format", "long_date_format", "modes", "next_steps", "invite", "letter")


@lru_cache(maxsize=16)
def _catalogue(language: str) -> dict:
    path = CATALOGUES / f"{language}.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def available_languages() -> list[str]:
    return sorted(path.stem for path in CATALOGUES.glob("*.toml"))


def text(language: str, *path: str) -> str:
    """The raw text at a path such as ("sms", "reminder"), in the language if it has one, else in German."""
    for candidate in (language, DEFAULT_LANGUAGE):
        value: object = _catalogue(candidate)
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            return value
    raise KeyError(".".join(path))


# In an SMS of a right-to-left language these values are wrapped in LEFT-TO-RIGHT ISOLATE … POP
# DIRECTIONAL ISOLATE, so a phone shows "+49 151 …", a code and a link as written, not reordered
# by the Arabic around them. Two characters each: where all of them would make a third segment,
# only links, codes and numbers are isolated (a date such as 30/12 reads the same either way).
LINKS_AND_CODES = frozenset({"reference", "code", "phone", "manage_url", "book_url", "find_url", "url"})
LTR_VALUES = LINKS_AND_CODES | {"date", "time", "deadline"}
LRI, PDI = "\u2066", "\u2069"
MAX_SMS_SEGMENTS = 2


def is_right_to_left(language: str) -> bool:
    """By Django's language info; one it does not know (Dari, Pashto) counts if LANGUAGES_BIDI names it."""
    try:
        return translation.get_language_info(language)["bidi"]
    except KeyError:
        return language in settings.LANGUAGES_BIDI


def _isolated(values: dict[str, object], names: frozenset[str]) -> dict[str, object]:
    return {name: f"{LRI}{value}{PDI}" if name in names else value for name, value in values.items()}


def render(language: str, /, *path: str, **values: object) -> str:
    template = text(language, *path)
    if path[:1] == ("sms",) and is_right_to_left(language):
        for names in (LTR_VALUES, LINKS_AND_CODES):
            body = template.format(**_isolated(values, names))
            if sms_segments(body) <= MAX_SMS_SEGMENTS:
                return body
    return template.format(**values)


def when(language: str, moment: datetime) -> dict[str, str]:
    """Date and time of a local moment written the way the language writes them."""
    with translation.override(language):
        return {
            name: dateformat.format(moment, text(language, f"{name}_format"))
            for name in ("date", "time", "long_date")
        }


# GSM 03.38: the basic character set, and the extension table whose characters take two septets.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def sms_segments(body: str) -> int:
    """How many SMS a carrier bills for this text: GSM-7 160/153 per part, else UCS-2 70/67."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        septets = sum(2 if ch in GSM7_EXTENSION else 1 for ch in body)
        return 1 if septets <= 160 else -(-septets // 153)
    # UCS-2 counts UTF-16 code units: a character outside the BMP (an emoji) takes two.
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def mask_private(body: str) -> str:
    """A message's text without what would let someone act as its recipient: links and codes masked."""
    return _CODE.sub("••••••", _PRIVATE_LINK.sub(r"/\1/…", body))
