"""Phone numbers written the way people read them: +49 151 23456789 instead of +4915123456789."""

import phonenumbers
from django import template

register = template.Library()


@register.filter
def readable_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, "DE")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
