"""Pictograms beside topics and modes: names of the inline SVG icons in frontend/_icon.html."""

from django import template

register = template.Library()

# The first keyword found in a topic's slug or name picks its pictogram.
TOPIC_ICONS = (
    (("geld", "leistung", "zahlung", "money", "payment", "benefit"), "money"),
    (("arbeit", "job", "stelle", "beruf", "work"), "work"),
    (("weiterbildung", "ausbildung", "kurs", "schule", "training", "course"), "school"),
    (("antrag", "unterlagen", "formular", "dokument", "document", "application"), "document"),
    (("wohnung", "miete", "rent", "housing"), "home"),
    (("kind", "familie", "family", "child"), "family"),
)
DEFAULT_TOPIC_ICON = "chat"
MODE_ICONS = {"telephone": "phone", "video": "video", "in_person": "home"}


@register.filter
def topic_icon(topic) -> str:
    words = f"{topic.slug} {topic.name}".lower()
    for keywords, icon in TOPIC_ICONS:
        if any(keyword in words for keyword in keywords):
            return icon
    return DEFAULT_TOPIC_ICON


@register.filter
def mode_icon(mode) -> str:
    return MODE_ICONS.get(str(mode), "")
