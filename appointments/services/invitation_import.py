"""Inviting many clients at once from a list (CSV), for a coordinator: check, preview, then all or nothing.

Columns (a header line names them; `;` or `,` separates; UTF-8, with or without BOM):
customer number, mobile, language, caseworker, topic, window, and optionally name (needed for
a client the office does not know yet). `caseworker` is the caseworker's user name or display
name, `topic` the topic's slug or name, `window` a number of working days from tomorrow on
(e.g. 10) or two dates `2026-12-01/2026-12-14` (both days included). The deadline is the end of
the window. Every row goes through `invite_client`, so a row is refused for exactly the reasons a
single invitation would be; the preview runs the whole import and rolls it back.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError
from appointments.models import Caseworker, Client, Office, Topic
from appointments.services.booking import ClientDetails
from appointments.services.clients import customer_number_key
from appointments.services.invitations import IssuedInvitation, invite_client, working_days_end
from appointments.services.phones import normalize_mobile_number

MAX_ROWS = 500
MAX_BYTES = 200_000
COLUMNS = {
    "customer_number": ("customer number", "customer_number", "kundennummer"),
    "phone": ("mobile", "phone", "mobilnummer", "handy"),
    "language": ("language", "sprache"),
    "caseworker": ("caseworker", "fachkraft"),
    "topic": ("topic", "anliegen", "thema"),
    "window": ("window", "zeitraum"),
    "name": ("name",),
}
REQUIRED = ("phone", "caseworker", "topic", "window")


@dataclass(frozen=True)
class Refused:
    line: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    issued: list[IssuedInvitation]
    refused: list[Refused]
    rows: int


class ImportRefused(ApplicationError):
    """The list as a whole cannot be read (not a CSV, columns missing, too long)."""


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("The list is too long: at most %(rows)s rows.") % {"rows": MAX_ROWS})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(_("The list must be a CSV file in UTF-8.")) from None
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise ImportRefused(_("The list is empty."))
    names = [cell.strip().lower() for cell in header]
    index = {}
    for key, aliases in COLUMNS.items():
        for position, name in enumerate(names):
            if name in aliases:
                index[key] = position
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in index]
    if missing:
        raise ImportRefused(_("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(
            (line, {key: cells[pos].strip() if pos < len(cells) else "" for key, pos in index.items()})
        )
    if len(rows) > MAX_ROWS:
        raise ImportRefused(_("The list is too long: at most %(rows)s rows.") % {"rows": MAX_ROWS})
    if not rows:
        raise ImportRefused(_("The list is empty."))
    return rows


def window_bounds(raw: str, office: Office, now: datetime) -> tuple[datetime, datetime]:
    """`10` (working days from tomorrow on) or `2026-12-01/2026-12-14` (both days included)."""
    today = office.today(now)
    if raw.isdigit() and 1 <= int(raw) <= 60:
        first = today + timedelta(days=1)
        last = working_days_end(first, int(raw)) - timedelta(days=1)
    else:
        try:
            first_raw, last_raw = raw.replace("–", "/").split("/")
            first, last = date.fromisoformat(first_raw.strip()), date.fromisoformat(last_raw.strip())
        except ValueError:
            raise ApplicationError(
                _("The window must be a number of working days or two dates like 2026-12-01/2026-12-14."),
                field="window",
            ) from None
    start, end = office.day_bounds(first, last)
    return max(start, now), end


def _caseworker(office: Office, raw: str) -> Caseworker:
    found = Caseworker.objects.filter(office=office, active=True).filter(
        Q(user__username__iexact=raw) | Q(display_name__iexact=raw)
    )
    if len(found) != 1:
        raise ApplicationError(_("No caseworker of the office is called “%(name)s”.") % {"name": raw})
    return found[0]


def _topic(office: Office, raw: str) -> Topic:
    found = Topic.objects.filter(office=office, active=True).filter(Q(slug__iexact=raw) | Q(name__iexact=raw))
    if len(found) != 1:
        raise ApplicationError(_("The office has no topic “%(name)s”.") % {"name": raw})
    return found[0]


def _client(row: dict[str, str]) -> Client | ClientDetails:
    phone = normalize_mobile_number(row["phone"])
    known = Client.objects.filter(phone=phone).first()
    if known is not None:
        number = customer_number_key(row.get("customer_number", ""))
        if number and known.customer_number and customer_number_key(known.customer_number) != number:
            raise ApplicationError(_("The mobile number belongs to a client with another customer number."))
        return known
    if not row.get("name"):
        raise ApplicationError(_("This client is new to the office: the list needs their name."))
    return ClientDetails(
        name=row["name"],
        phone=phone,
        customer_number=row.get("customer_number", ""),
        language=row.get("language") or "de",
    )


def _invite_row(row, *, office, channels, modes, invited_by, now) -> IssuedInvitation:
    caseworker = _caseworker(office, row["caseworker"])
    topic = _topic(office, row["topic"])
    window = window_bounds(row["window"], office, now)
    return invite_client(
        caseworker=caseworker,
        topic=topic,
        client=_client(row),
        modes=[mode for mode in topic.modes if mode in modes] or list(topic.modes),
        window=window,
        deadline=window[1],
        channels=channels,
        language=row.get("language") or None,
        invited_by=invited_by,
        now=now,
    )


def import_invitations(
    *,
    data: bytes,
    office: Office,
    channels: list[str],
    modes: list[str],
    invited_by: AbstractBaseUser,
    dry_run: bool,
    now: datetime | None = None,
) -> ImportResult:
    """Invite every row, or nobody: with any refused row (or `dry_run`) everything is rolled back.

    The refused rows say their line and why; a dry run is the preview of the same import.
    """
    now = now or timezone.now()
    rows = _rows(data)
    issued: list[IssuedInvitation] = []
    refused: list[Refused] = []
    with transaction.atomic():
        for line, row in rows:
            try:
                with transaction.atomic():
                    issued.append(
                        _invite_row(
                            row, office=office, channels=channels, modes=modes, invited_by=invited_by, now=now
                        )
                    )
            except ApplicationError as error:
                refused.append(Refused(line=line, reason=str(error)))
        if refused or dry_run:
            transaction.set_rollback(True)
            issued = [] if refused and not dry_run else issued
    return ImportResult(issued=issued, refused=refused, rows=len(rows))
