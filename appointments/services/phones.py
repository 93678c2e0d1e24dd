"""Mobile numbers as people type them, turned into E.164 or refused; and shown masked."""

import phonenumbers
from django.conf import settings
from phonenumbers import PhoneNumberType

from appointments.exceptions import InvalidPhoneNumber

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


def allowed_calling_codes(office) -> frozenset[str]:
    """The calling codes (digits, no "+") that messages and calls for this office may go to.

    `settings.ALLOWED_CALLING_CODES` (default "49") for every office; `office` is there so that an
    office's own additions can join the set here, in one place.
    """
    return frozenset(str(code).lstrip("+") for code in settings.ALLOWED_CALLING_CODES)
