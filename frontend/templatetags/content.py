"""{% localized topic "name" %}: an office's text in the page's language, else German marked lang="de"."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import translation
from django.utils.html import format_html

from appointments.services.content import localized as localized_text
from appointments.services.texts import DEFAULT_LANGUAGE

register = template.Library()


@register.simple_tag
def localized(obj, field: str):
    text = localized_text(obj, field)
    # Line breaks an office typed in a notice or description are kept (the text is escaped first).
    shown = linebreaksbr(text.text, autoescape=True)
    if text.fell_back and translation.get_language() != DEFAULT_LANGUAGE:
        # Screen readers switch to a German voice for it.
        return format_html('<span lang="de">{}</span>', shown)
    return shown
