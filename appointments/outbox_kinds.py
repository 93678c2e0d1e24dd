"""Every kind of outgoing message, declared once: its audiences, channels, texts and when it is due."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Audience(models.TextChoices):
    CLIENT = "client", _("Client")
    # Staff: the appointment's caseworker, and the office's coordinators.
    CASEWORKER = "caseworker", _("Caseworker")
    INTERPRETER = "interpreter", _("Interpreter")


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Booking confirmation")
    RESCHEDULED = "rescheduled", _("Moved")
    CANCELLED = "cancelled", _("Cancelled")
    REMINDER = "reminder", _("Reminder")
    VERIFICATION_CODE = "verification_code", _("Verification code")
    REPLY = "reply", _("Reply to an SMS")
    INTERPRETER_OFFER = "interpreter_offer", _("Interpreter request offered")
    INTERPRETER_REMINDER = "interpreter_reminder", _("Interpreter request still open")
    GROUP_INTERPRETER = "group_interpreter", _("Group session interpreting")
    INVITATION = "invitation", _("Invitation")
    INVITATION_REMINDER = "invitation_reminder", _("Invitation not answered yet")
    COORDINATOR_ALERT = "coordinator_alert", _("Alert to the coordinators")


# A reminder at least this long before asks the client to confirm by replying 1 or 2.
REPLY_REMINDER_MINUTES = 12 * 60


class Due(Enum):
    AT_ONCE = "written with its change, sent as soon as that commits"
    # Also withdrawn when the appointment moves, and dropped unsent once it is no longer booked.
    BEFORE_START = "one per office.reminder_offsets_minutes before the start, those still ahead"
    BY_JOB = "written by a periodic job of the message worker when it is due, then sent at once"


@dataclass(frozen=True)
class Route:
    """One way a kind goes out: to an audience by a channel, with its texts' keys by role.

    Roles: "body" and "subject" (e-mail), or variants the writer picks ("asks_reply" for a
    reminder that asks for 1 or 2; "fixed"/"window" and their "_subject" for invitations;
    the answers to an SMS). A key is "<section>.<name>" in appointments/texts/<lang>.toml.
    """

    audience: str
    channel: str
    texts: Mapping[str, str] = field(default_factory=dict)
    # An e-mail sent only to a client who gets no SMS of it.
    only_without_sms: bool = False

    def path(self, role: str) -> tuple[str, ...]:
        """The key of the text for `role` as the path `texts.render` takes."""
        return tuple(self.texts[role].split("."))


@dataclass(frozen=True)
class MessageKind:
    kind: str
    routes: tuple[Route, ...]
    due: Due = Due.AT_ONCE
    # The appointment changes that write it ("booked", "rescheduled", "cancelled").
    events: tuple[str, ...] = ()
    # Its e-mails carry the appointment's calendar invite; `withdraws` sends it as METHOD:CANCEL.
    calendar: bool = False
    withdraws: bool = False
    # An SMS of it that cannot reach the phone (a landline) goes by e-mail instead, if there is one.
    email_fallback: bool = False
    # Its text is masked as soon as it is sent, never kept for a second try: a code is asked for anew.
    sent_once: bool = False
    # Where its rows are written, for a reader looking for the writer.
    written_by: str = ""

    def route(self, audience: str, channel: str) -> Route | None:
        return next((r for r in self.routes if r.audience == audience and r.channel == channel), None)

    def due_times(
        self, *, offsets_minutes: list[int], start: datetime, now: datetime
    ) -> list[tuple[int, datetime]]:
        """(minutes before the start, due) of each row to write now; minutes 0 for one due at once."""
        if self.due is not Due.BEFORE_START:
            return [(0, now)]
        times = [(minutes, start - timedelta(minutes=minutes)) for minutes in offsets_minutes]
        return [(minutes, due) for minutes, due in times if due > now]


CLIENT, CASEWORKER, INTERPRETER = Audience.CLIENT, Audience.CASEWORKER, Audience.INTERPRETER
SMS, EMAIL = Channel.SMS, Channel.EMAIL
_APPOINTMENTS = "services.outbox.compose: schedule_appointment_messages, schedule_participant_messages"
_INVITATIONS = "services.outbox.compose.schedule_invitation_messages"


def _email(name: str) -> dict[str, str]:
    return {"subject": f"email.{name}_subject", "body": f"email.{name}"}


def _change(
    kind: Kind,
    event: str,
    *,
    interpreter_email: str,
    interpreter_sms: str = "",
    withdraws: bool = False,
) -> MessageKind:
    """A booking, move or cancellation: told to the client, the caseworker's calendar and the interpreter."""
    routes = [
        Route(CLIENT, SMS, {"body": f"sms.{kind.value}"}),
        Route(CLIENT, EMAIL, _email(kind.value)),
        Route(CASEWORKER, EMAIL),  # the calendar invite alone
        Route(
            INTERPRETER,
            EMAIL,
            {"subject": "interpreter.booked_subject", "body": f"interpreter.{interpreter_email}"},
        ),
    ]
    if interpreter_sms:
        routes.append(Route(INTERPRETER, SMS, {"body": f"interpreter.{interpreter_sms}"}))
    return MessageKind(
        kind=kind,
        events=(event,),
        calendar=True,
        withdraws=withdraws,
        email_fallback=True,
        routes=tuple(routes),
        written_by=_APPOINTMENTS,
    )


KINDS: dict[str, MessageKind] = {
    declared.kind: declared
    for declared in (
        _change(Kind.CONFIRMATION, "booked", interpreter_email="booked"),
        _change(
            Kind.RESCHEDULED,
            "rescheduled",
            interpreter_email="booked",
            interpreter_sms="moved",
        ),
        _change(
            Kind.CANCELLED,
            "cancelled",
            interpreter_email="cancelled",
            interpreter_sms="cancelled",
            withdraws=True,
        ),
        MessageKind(
            kind=Kind.REMINDER,
            events=("booked", "rescheduled"),
            due=Due.BEFORE_START,
            email_fallback=True,
            routes=(
                Route(CLIENT, SMS, {"body": "sms.reminder", "asks_reply": "sms.reminder_reply"}),
                Route(CLIENT, EMAIL, _email("reminder"), only_without_sms=True),
                Route(INTERPRETER, SMS, {"body": "interpreter.reminder"}),
            ),
            written_by=_APPOINTMENTS,
        ),
        MessageKind(
            kind=Kind.VERIFICATION_CODE,
            sent_once=True,
            routes=(Route(CLIENT, SMS, {"body": "sms.verification_code"}),),
            written_by="services.verification (queue_sms)",
        ),
        MessageKind(
            kind=Kind.REPLY,
            routes=(
                Route(
                    CLIENT,
                    SMS,
                    {
                        answer: f"sms.reply_{answer}"
                        for answer in ("confirmed", "cancelled", "help", "stopped", "started", "choose")
                    },
                ),
            ),
            written_by="services.sms_replies (queue_sms)",
        ),
        MessageKind(
            kind=Kind.INTERPRETER_OFFER,
            routes=(Route(INTERPRETER, SMS, {"body": "interpreter.offer"}),),
            written_by="services.interpreter_notices: offers",
        ),
        MessageKind(
            kind=Kind.INTERPRETER_REMINDER,
            due=Due.BY_JOB,
            routes=(Route(INTERPRETER, SMS, {"body": "interpreter.offer_reminder"}),),
            written_by="services.interpreter_escalation: interpreter_reminder_minutes after the offer",
        ),
        MessageKind(
            kind=Kind.GROUP_INTERPRETER,
            # A group session has no appointment of its own: a plain e-mail, no invite attached.
            routes=(
                Route(
                    INTERPRETER,
                    EMAIL,
                    {
                        "assigned": "interpreter.booked",
                        "assigned_subject": "interpreter.booked_subject",
                        "cancelled": "interpreter.cancelled",
                        "cancelled_subject": "interpreter.booked_subject",
                    },
                ),
                Route(
                    INTERPRETER, SMS, {"assigned": "interpreter.booked", "cancelled": "interpreter.cancelled"}
                ),
            ),
            written_by="services.interpreter_notices.tell_group_interpreter",
        ),
        MessageKind(
            kind=Kind.INVITATION,
            routes=(
                Route(CLIENT, SMS, {"fixed": "sms.invitation_fixed", "window": "sms.invitation_window"}),
                Route(
                    CLIENT,
                    EMAIL,
                    {
                        "fixed": "email.invitation_fixed",
                        "fixed_subject": "email.invitation_fixed_subject",
                        "window": "email.invitation_window",
                        "window_subject": "email.invitation_window_subject",
                    },
                ),
            ),
            written_by=_INVITATIONS,
        ),
        MessageKind(
            kind=Kind.INVITATION_REMINDER,
            due=Due.BY_JOB,
            routes=(
                Route(CLIENT, SMS, {"body": "sms.invitation_reminder"}),
                Route(CLIENT, EMAIL, _email("invitation_reminder")),
            ),
            written_by=f"{_INVITATIONS}, office.invitation_reminder_hours before the deadline",
        ),
        MessageKind(
            kind=Kind.COORDINATOR_ALERT,
            # Its text is the caller's, in the staff's language (gettext), not from the catalogue.
            routes=(Route(CASEWORKER, EMAIL),),
            written_by="services.outbox.compose.alert_coordinator",
        ),
    )
}


def caused_by(event: str) -> list[MessageKind]:
    """The kinds an appointment change writes, in the order they are written."""
    return [declared for declared in KINDS.values() if event in declared.events]


def announcing(event: str) -> MessageKind:
    """The one kind that tells of the change itself (not its reminders)."""
    [kind] = [declared for declared in caused_by(event) if declared.due is Due.AT_ONCE]
    return kind


def text_keys(kind: MessageKind) -> set[str]:
    return {key for route in kind.routes for key in route.texts.values()}
