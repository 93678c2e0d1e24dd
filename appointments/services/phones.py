"""Mobile numbers as people type them, turned into E.164 or refused; and shown masked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from phonenumbers import PhoneNumberType

from appointments.exceptions import InvalidPhoneNumber

if TYPE_CHECKING:
    from appointments.models import Office

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_mobile_number(raw: str, *, region: str = "DE", field: str = "phone") -> str:
    """E.164 for a mobile number given in local German form ("0151 23456789") or with +country."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(field=field) from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidPhoneNumber(field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def masked_number(number: str) -> str:
    """The last three digits only: enough to tell numbers apart in a log or a list, not to ring one."""
    return f"…{number[-3:]}"


def allowed_calling_codes(offices: Iterable[Office]) -> list[str]:
    """The calling codes ("+49") that SMS and calls for these offices may go to, in order:
    settings.ALLOWED_CALLING_CODES and each office's own additions."""
    codes = ["+" + str(code).lstrip("+") for code in settings.ALLOWED_CALLING_CODES]
    for office in offices:
        extra = ("+" + code.lstrip("+") for code in office.extra_calling_codes.replace(",", " ").split())
        codes += [code for code in extra if code not in codes]
    return codes
