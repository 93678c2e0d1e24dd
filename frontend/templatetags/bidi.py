"""Left-to-right pieces inside any text: phone numbers, codes, links, times and e-mail addresses.

`{{ value|ltr }}` wraps the value in `<bdi dir="ltr" class="ltr">`: it is isolated from the text
around it (Arabic keeps "+90 532 …" as written instead of "90+ 532") and, by site.css, does not
wrap inside. A link or an e-mail address may still break where it must, or a phone screen would
scroll sideways; it stays one left-to-right piece all the same.
"""

from django import template
from django.utils.html import format_html

register = template.Library()


def _may_break(text: str) -> bool:
    return "/" in text or "@" in text or text.startswith("www.")


@register.filter
def ltr(value) -> str:
    text = "" if value is None else str(value)
    if not text:
        return ""
    kind = "ltr long" if _may_break(text) else "ltr"
    return format_html('<bdi dir="ltr" class="{}">{}</bdi>', kind, text)
