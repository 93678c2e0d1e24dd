"""Invitation letters: one printable DIN A4 letter per invitation, many letters in one PDF.

Many clients are reached only by post, so the letter carries everything the SMS does: who
invites, why, when, by when to answer, the short link (also as a QR code) and the short code to
type at `<SITE_URL>/e/`. The link's token and the code are in clear text only at the moment an
invitation is issued (or its code reissued), so a letter is rendered from what the caller holds
then and never from the database alone.

fpdf2 with its HarfBuzz shaping (uharfbuzz) writes Arabic joined and right to left; DejaVu Sans
(Debian's fonts-dejavu-core, LETTER_FONT_DIR) covers Latin with Turkish letters, Cyrillic and
Arabic. The QR code is drawn from segno's matrix as vector squares, so it prints sharp at any size.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from appointments.models import Invitation
from appointments.services.content import localized
from appointments.services.invitations import code_entry_url, reissue_letter_codes
from appointments.services.texts import (
    DEFAULT_LANGUAGE,
    available_languages,
    is_right_to_left,
    render,
    text,
    when,
)

FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
CODE_FONT_FILE = "DejaVuSansMono-Bold.ttf"
MARGIN = 20  # mm, DIN 5008 leaves at least 20 mm on the left
QR_SIZE = 38  # mm: large enough for an old phone camera at arm's length


@dataclass(frozen=True)
class Letter:
    """What one letter prints: the invitation, the link its QR code opens, and the code to type."""

    invitation: Invitation
    link: str
    code: str


def code_address() -> str:
    """Where a person types the letter's code, written the way one types it (no scheme)."""
    parts = urlsplit(code_entry_url())
    return f"{parts.netloc}{parts.path}"


def letters_pdf(letters: Iterable[Letter], *, now: datetime | None = None) -> bytes:
    """One PDF with each letter starting on a new page, in the order given (for the post office)."""
    now = now or timezone.now()
    pdf = _document()
    count = 0
    for letter in letters:
        _write_letter(pdf, letter, now=now)
        count += 1
    if not count:
        raise ValueError("no letters to print")
    return bytes(pdf.output())


@dataclass(frozen=True)
class Reprint:
    pdf: bytes | None  # one letter per printed invitation; None when none was open
    printed: list[Invitation]
    closed: list[Invitation]  # no longer open: no letter, their codes unchanged


def reprint_letters(
    *, invitations: list[Invitation], by: AbstractBaseUser, now: datetime | None = None
) -> Reprint:
    """Letters again, for one invitation or many (one PDF for the post office): each gets a fresh
    code (the old one stops working, the links keep working) and a QR code that opens the code
    form filled in with it. The codes change only together with a rendered PDF: one transaction."""
    with transaction.atomic():
        reissued = reissue_letter_codes(invitations=invitations, by=by)
        letters = [
            Letter(invitation=invitation, link=code_entry_url(code), code=code)
            for invitation, code in reissued.codes
        ]
        pdf = letters_pdf(letters, now=now) if letters else None
    return Reprint(pdf=pdf, printed=[letter.invitation for letter in letters], closed=reissued.closed)


def _document() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_creator("Sprechstunde")
    font_dir = Path(settings.LETTER_FONT_DIR)
    for style, name in FONT_FILES.items():
        _add_font(pdf, "Letter", style, font_dir / name)
    _add_font(pdf, "Code", "", font_dir / CODE_FONT_FILE)
    # Scripts DejaVu lacks (Tigrinya's Ge'ez) come from these; without one, fpdf2 drops the letters.
    fallbacks = []
    for number, path in enumerate(settings.LETTER_FALLBACK_FONTS):
        _add_font(pdf, f"Fallback{number}", "", Path(path))
        fallbacks.append(f"Fallback{number}")
    pdf.set_fallback_fonts(fallbacks, exact_match=False)
    return pdf


def _add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The invitation letters need the font {path} (LETTER_FONT_DIR, LETTER_FALLBACK_FONTS); "
            "on Debian it comes with the package fonts-dejavu-core or fonts-sil-abyssinica."
        )
    pdf.add_font(family, style, str(path))


def _language(invitation: Invitation) -> str:
    return invitation.language if invitation.language in available_languages() else DEFAULT_LANGUAGE


def _write_letter(pdf: FPDF, letter: Letter, *, now: datetime) -> None:
    invitation = letter.invitation
    language = _language(invitation)
    office = invitation.topic.office
    zone = office.zone
    rtl = is_right_to_left(language)
    align = "R" if rtl else "L"
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    pdf.add_page()
    width = pdf.epw

    def say(*path: str, **values: object) -> str:
        # In a right-to-left letter each value is a bidi isolate, so a phone number, a Latin name
        # or a date keeps its own order inside the sentence.
        if rtl:
            values = {name: f"\u2068{value}\u2069" for name, value in values.items()}
        return render(language, "letter", *path, **values)

    def paragraph(
        body: str, *, size: float = 11, style: str = "", gap: float = 2, w: float = 0, free: bool = False
    ) -> None:
        # Free text (the note, the notice) is written in whatever language the office used:
        # its own first letters decide its direction.
        if free:
            pdf.set_text_shaping(use_shaping_engine=True, direction=None)
        pdf.set_font("Letter", style, size)
        pdf.multi_cell(w or width, size * 0.5, body, align=align, new_x="LMARGIN", new_y="NEXT")
        if free:
            pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
        pdf.ln(gap)

    # Sender and date, then the addressee: the layout of a short business letter.
    paragraph(localized(office, "name", language).text, size=12, style="B", gap=0)
    if office.phone:
        paragraph(say("phone", phone=office.phone), size=10, gap=0)
    paragraph(say("dated", date=when(language, now.astimezone(zone))["long_date"]), size=10)
    pdf.ln(8)
    paragraph(invitation.client.name, size=12, gap=10)

    paragraph(text(language, "letter", "title"), size=18, style="B", gap=4)
    paragraph(say("greeting", name=invitation.client.name))
    caseworker = invitation.caseworker.display_name
    paragraph(
        say("invited_by", caseworker=caseworker, topic=localized(invitation.topic, "name", language).text)
    )
    paragraph(say("modes", modes=", ".join(text(language, "modes", mode) for mode in invitation.modes)))
    deadline = when(language, invitation.deadline.astimezone(zone))
    answer = {"deadline": deadline["long_date"], "deadline_time": deadline["time"]}
    if invitation.start is not None:
        paragraph(say("fixed", **when(language, invitation.start.astimezone(zone))), style="B")
        paragraph(say("fixed_answer", **answer))
    else:
        # The window ends at an exclusive instant (often midnight): its last day is the one before it.
        first = when(language, invitation.window_from.astimezone(zone))["long_date"]
        last = when(language, (invitation.window_until - timedelta(seconds=1)).astimezone(zone))["long_date"]
        paragraph(say("window", first=first, last=last), style="B")
        paragraph(say("window_answer", **answer))
    if invitation.note:
        paragraph(say("note", caseworker=caseworker), style="B", gap=0)
        paragraph(invitation.note, free=True)

    # How to answer: the text on one side, the QR code on the other (mirrored for right-to-left).
    pdf.ln(2)
    top = pdf.get_y()
    if top + QR_SIZE > pdf.h - MARGIN:
        pdf.add_page()
        top = pdf.get_y()
    text_width = width - QR_SIZE - 6
    qr_x = pdf.l_margin if rtl else pdf.l_margin + width - QR_SIZE
    if rtl:
        pdf.set_left_margin(pdf.l_margin + QR_SIZE + 6)
        pdf.set_x(pdf.l_margin)
    paragraph(text(language, "letter", "how"), w=text_width, gap=1)
    pdf.set_text_shaping(use_shaping_engine=True, direction="ltr")
    paragraph(letter.link, size=10, w=text_width, gap=3)
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    paragraph(text(language, "letter", "code"), w=text_width, gap=1)
    # The address and the code are typed character by character: always left to right.
    pdf.set_text_shaping(use_shaping_engine=True, direction="ltr")
    paragraph(code_address(), style="B", w=text_width, gap=0)
    pdf.set_font("Code", "", 20)
    pdf.multi_cell(text_width, 10, letter.code, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    if rtl:
        pdf.set_left_margin(MARGIN)
    _draw_qr(pdf, letter.link, x=qr_x, y=top, size=QR_SIZE)
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE) + 6)

    if office.phone:
        paragraph(say("questions", phone=office.phone))
    notice = localized(invitation.topic, "invitation_notice", language).text.strip()
    if notice:
        pdf.ln(2)
        paragraph(text(language, "letter", "notice"), size=10, style="B", gap=0)
        paragraph(notice, size=9, free=True)


def _draw_qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    """The QR code as filled squares, one rectangle per run of dark modules in a row."""
    rows = [list(row) for row in segno.make(data, error="m").matrix_iter(border=4)]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            run = c
            while run < len(row) and row[run]:
                run += 1
            pdf.rect(x + c * module, y + r * module, (run - c) * module, module, style="F")
            c = run
