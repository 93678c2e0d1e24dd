"""Phone numbers, codes, links, times and e-mail addresses in the text of a page, outside an LTR isolate."""

import re
from html.parser import HTMLParser

# Seven digits or more, with spaces or a leading +: a phone number or a one-time code.
NUMBER = r"\+?\d[\d ]{5,}\d"
TIME = r"\b\d{1,2}:\d{2}\b"
LINK = r"https?://\S+|www\.\S+|/[bem]/\S+"
EMAIL = r"[\w.+-]+@[\w-]+\.[\w.]+"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# An option holds text only, no isolate; a select shows it on its own line.
SKIPPED = {"script", "style", "title", "template", "option"}


def _isolating(tag: str, attributes: dict[str, str | None]) -> bool:
    """`ltr` from frontend/templatetags/bidi.py, or a hand-written equivalent: dir="ltr" and the class."""
    return attributes.get("dir") == "ltr" and "ltr" in (attributes.get("class") or "").split()


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, _isolating(tag, dict(attrs))))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(tag in SKIPPED for tag, _ in self.stack) or any(isolated for _, isolated in self.stack):
            return
        self.loose.append(data)


def unisolated(html: str, *codes: str) -> list[str]:
    """Every number, time, link, e-mail address and one of `codes` (booking codes) in the text of `html`
    that is not inside a left-to-right isolate."""
    parser = _Texts()
    parser.feed(html)
    patterns = [NUMBER, TIME, LINK, EMAIL, *(re.escape(code) for code in codes if code)]
    found = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    return [match.group() for text in parser.loose for match in found.finditer(text)]
