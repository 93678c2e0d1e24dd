"""Invitations: a caseworker asks one known client to a fixed time or to pick a time in a window.

The link's token (128 bits) and the letter's typed code are shown in clear text only once,
in `IssuedInvitation`, and stored as hashes. A fixed time is held as an appointment in status
HELD, which the exclusion constraint counts, so no self-booking can take it; confirming turns it
into the booking, declining, withdrawal or expiry releases it. Every use locks the invitation's
row first, so of many concurrent uses exactly one books; the others find it used.

"This time doesn't suit me" on a fixed invitation offers the same caseworker's (or team's) other
free times: in the next `ALTERNATIVE_WORKING_DAYS` working days from today, within the booking
horizon. The held time stays held until the client has booked another one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.events import publish_appointment, publish_invitation
from appointments.exceptions import ApplicationError, SlotNotOffered, SlotTaken
from appointments.models import (
    Appointment,
    AuditEntry,
    Caseworker,
    Client,
    Invitation,
    Notification,
    Office,
    Topic,
)
from appointments.services.audit import record_audit
from appointments.services.availability import Slot, bookable_window, check_start, free_slots
from appointments.services.booking import (
    Booking,
    ClientDetails,
    check_language,
    confirm_booking,
    reading_language,
    save_with_first_free,
)
from appointments.services.calls import new_call_room
from appointments.services.clients import client_for_booking
from appointments.services.interpreter_requests import check_interpreter_language
from appointments.services.limits import client_mobile_number
from appointments.services.outbox.compose import schedule_invitation_messages
from appointments.services.permissions import can_invite_for
from appointments.services.references import new_reference, normalize_reference
from appointments.services.tokens import hash_token, new_token

CODE_LENGTH = 10
CODE_GROUP = 5
ALTERNATIVE_WORKING_DAYS = 10

Status = Invitation.Status
Channel = Invitation.Channel
Action = AuditEntry.Action
Party = Appointment.Party


class InvitationNotFound(ApplicationError):
    """No invitation has this link or code."""

    status_code = 404
    default_message = gettext_lazy("This invitation link or code is not known. Please check it.")


class InvitationClosed(ApplicationError):
    """The invitation was used, declined, withdrawn or has expired; `state` says which."""

    status_code = 410
    MESSAGES = {
        Status.BOOKED: gettext_lazy("This invitation has already been used to book an appointment."),
        Status.DECLINED: gettext_lazy("This invitation was declined."),
        Status.EXPIRED: gettext_lazy("The time to answer this invitation has passed."),
        Status.REVOKED: gettext_lazy("This invitation was withdrawn by the job centre."),
    }

    def __init__(self, state: str) -> None:
        self.state = state
        super().__init__(self.MESSAGES[state])


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # 128-bit link token, in clear text only here (stored hashed)
    code: str  # short code typed at /e/ (from a letter), clear only here (stored hashed)


def invitation_link(token: str) -> str:
    """The short link in SMS, e-mail and the letter's QR code."""
    return f"{settings.SITE_URL}/e/{token}"


def code_entry_url(code: str = "") -> str:
    """Where a client types the code from a letter; with the code, the form comes filled in (a
    reprinted letter's QR code: the link's token is not known any more, the new code is)."""
    query = f"?{urlencode({'code': code})}" if code else ""
    return f"{settings.SITE_URL}/e/{query}"


def _new_code() -> tuple[str, str]:
    """A typeable code from the booking codes' unambiguous alphabet (about 45 bits), grouped, and its hash."""
    raw = new_reference(CODE_LENGTH)
    code = "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))
    return code, hash_token(raw)


def _check_invitation(
    *,
    caseworker: Caseworker,
    topic: Topic,
    modes: list[str],
    start: datetime | None,
    window: tuple[datetime, datetime] | None,
    deadline: datetime,
    channels: list[str],
    team: list[Caseworker],
    invited_by: AbstractBaseUser,
    now: datetime,
) -> None:
    if not can_invite_for(invited_by, caseworker):
        raise ApplicationError(
            _("You can invite for yourself, or as a coordinator for your office."), field="caseworker"
        )
    if not caseworker.active:
        raise ApplicationError(_("This caseworker is not active."), field="caseworker")
    if topic.office_id != caseworker.office_id or not topic.active:
        raise ApplicationError(_("This topic cannot be booked."), field="topic")
    if not caseworker.topics.filter(pk=topic.pk).exists():
        raise ApplicationError(_("This caseworker does not offer this topic."), field="topic")
    for member in team:
        if member.office_id != caseworker.office_id or not member.topics.filter(pk=topic.pk).exists():
            raise ApplicationError(_("Everyone in the team must offer this topic."), field="team")
    if not modes or not set(modes) <= set(topic.modes):
        raise ApplicationError(_("This topic cannot be booked for this kind of consultation."), field="modes")
    if not channels or not set(channels) <= set(Channel.values):
        raise ApplicationError(_("Choose how the invitation is sent."), field="channels")
    if (start is None) == (window is None):
        raise ApplicationError(_("Give either a fixed time or a window to choose from."), field="start")
    moments = [deadline, start, *(window or ())]
    if any(moment is not None and timezone.is_naive(moment) for moment in moments):
        raise ApplicationError(_("Please give the time with its UTC offset."), field="deadline")
    if deadline <= now:
        raise ApplicationError(_("The deadline must be in the future."), field="deadline")
    if start is not None and deadline > start:
        raise ApplicationError(_("The deadline must be before the invited time."), field="deadline")
    if window is not None:
        window_from, window_until = window
        earliest, latest = bookable_window(topic.office, now)
        if not window_from < window_until or window_until <= earliest or window_until > latest:
            raise ApplicationError(_("The window must lie within the booking horizon."), field="window")
        if deadline > window_until:
            raise ApplicationError(_("The deadline must be before the window ends."), field="deadline")


def _client_for(
    client: Client | ClientDetails, language: str | None, *, office: Office, invited_by: AbstractBaseUser
) -> Client:
    """The client as given, or the one with that number: booking's one rule decides whether the
    details given may change a known client's record (staff of an office that serves them)."""
    if isinstance(client, Client):
        return client
    phone = client_mobile_number(client.phone, offices=[office], field="client.phone")
    if not client.name.strip():
        raise ApplicationError(_("Please enter the client's name."), field="client.name")
    if not reading_language(client.language):
        check_language(client.language, "client.language")
    details = replace(client, language=language or client.language)
    return client_for_booking(
        details=details, phone=phone, office=office, verified=False, actor=invited_by
    ).client


def _check_reachable(person: Client, channels: list[str]) -> None:
    if Channel.SMS in channels and not person.sms_consent:
        raise ApplicationError(_("The client has not agreed to SMS."), field="channels")
    if Channel.EMAIL in channels and not person.email:
        raise ApplicationError(_("The client has no e-mail address."), field="channels")


def _hold(
    *, invitation: Invitation, start: datetime, invited_by: AbstractBaseUser, now: datetime
) -> Appointment:
    """Keep the fixed time for the client as a HELD appointment, if the caseworker is free then."""
    topic = invitation.topic
    mode = None
    for candidate in invitation.modes:
        check = check_start(
            topic=topic, mode=candidate, start=start, caseworker_ids=[invitation.caseworker_id], now=now
        )
        if check.free:
            mode = candidate
            break
        if check.offered:
            raise SlotTaken(field="start")
    if mode is None:
        raise SlotNotOffered(field="start")
    held = Appointment(
        reference=new_reference(),
        manage_token_hash="",
        client=invitation.client,
        topic=topic,
        mode=mode,
        language=invitation.language,
        interpreter_language=invitation.interpreter_language,
        status=Appointment.Status.HELD,
        booked_by=invited_by,
        call_room=new_call_room(),
    )
    held.set_times(start, topic)
    save_with_first_free(held, [invitation.caseworker_id], None)
    return held


def invite_client(
    *,
    caseworker: Caseworker,
    topic: Topic,
    client: Client | ClientDetails,
    modes: list[str],
    start: datetime | None = None,
    window: tuple[datetime, datetime] | None = None,
    deadline: datetime,
    note: str = "",
    channels: list[str],
    language: str | None = None,
    interpreter_language: str | None = None,
    team: list[Caseworker] = (),
    invited_by: AbstractBaseUser,
    now: datetime | None = None,
) -> IssuedInvitation:
    """Invite a client to `start` (held for them until they answer) or to choose in `window`.

    Messages go out by SMS and/or e-mail in the client's language; a letter is printed by staff.
    """
    now = now or timezone.now()
    team = [member for member in team if member.pk != caseworker.pk]
    _check_invitation(
        caseworker=caseworker,
        topic=topic,
        modes=modes,
        start=start,
        window=window,
        deadline=deadline,
        channels=channels,
        team=team,
        invited_by=invited_by,
        now=now,
    )
    check_language(language, "language")
    check_interpreter_language(interpreter_language, modes=modes, field="interpreter_language")
    if len(note) > 500:
        raise ApplicationError(_("The note can have at most 500 characters."), field="note")
    with transaction.atomic():
        person = _client_for(client, language, office=topic.office, invited_by=invited_by)
        _check_reachable(person, channels)
        token, token_hash = new_token()
        code, code_hash = _new_code()
        invitation = Invitation(
            token_hash=token_hash,
            code_hash=code_hash,
            client=person,
            caseworker=caseworker,
            topic=topic,
            modes=list(dict.fromkeys(modes)),
            language=language or person.language,
            interpreter_language=interpreter_language or "",
            start=start,
            window_from=window[0] if window else None,
            window_until=window[1] if window else None,
            deadline=deadline,
            note=note.strip(),
            channels=list(dict.fromkeys(channels)),
            created_by=invited_by,
            created_at=now,
        )
        if start is not None:
            invitation.appointment = _hold(invitation=invitation, start=start, invited_by=invited_by, now=now)
        elif not invitation_times(
            invitation=invitation, caseworker_ids=[caseworker.pk, *(m.pk for m in team)], now=now
        ):
            raise ApplicationError(_("There is no free time in this window."), field="window")
        invitation.save()
        if team:
            invitation.team.set(team)
        schedule_invitation_messages(
            invitation=invitation,
            kind=Notification.Kind.INVITATION,
            link=invitation_link(token),
            code=code,
            now=now,
        )
        record_audit(
            action=Action.INVITED,
            actor=invited_by,
            client=person,
            office=topic.office,
            appointment=invitation.appointment,
            detail="fixed" if start is not None else "window",
        )
        publish_invitation(invitation, "invited")
        if invitation.appointment is not None:
            publish_appointment(invitation.appointment, "held")
    return IssuedInvitation(invitation=invitation, token=token, code=code)


def reissue_letter_code(*, invitation: Invitation, by: AbstractBaseUser) -> str:
    """A fresh typed code for reprinting a letter; the old code stops working, the links stay."""
    if not can_invite_for(by, invitation.caseworker):
        raise ApplicationError(_("You can invite for yourself, or as a coordinator for your office."))
    with transaction.atomic():
        invitation = _locked(invitation)
        _check_open(invitation, timezone.now())
        code, invitation.code_hash = _new_code()
        invitation.save(update_fields=["code_hash", "updated_at"])
    return code


@dataclass(frozen=True)
class ReissuedCodes:
    codes: list[tuple[Invitation, str]]  # (invitation, its new code), in the order given
    closed: list[Invitation]  # no longer open: left out, their codes unchanged


def reissue_letter_codes(*, invitations: list[Invitation], by: AbstractBaseUser) -> ReissuedCodes:
    """Fresh codes for many letters at once, in one transaction (all or nothing): each like
    `reissue_letter_code`; invitations no longer open are left out and named in `closed`."""
    codes, closed = [], []
    with transaction.atomic():
        # Locked in one order, so two batches over the same invitations cannot deadlock.
        list(Invitation.objects.select_for_update().filter(pk__in=[i.pk for i in invitations]).order_by("pk"))
        for invitation in invitations:
            try:
                codes.append((invitation, reissue_letter_code(invitation=invitation, by=by)))
            except InvitationClosed:
                closed.append(invitation)
    return ReissuedCodes(codes=codes, closed=closed)


# --- The client's side ---------------------------------------------------------------------------

_RELATIONS = ("client", "caseworker", "topic__office", "appointment")


def _check_open(invitation: Invitation, now: datetime) -> None:
    if invitation.status != Status.OPEN:
        raise InvitationClosed(invitation.status)
    if invitation.deadline <= now:
        raise InvitationClosed(Status.EXPIRED)


def _opened(invitation: Invitation | None, now: datetime | None) -> Invitation:
    now = now or timezone.now()
    if invitation is None:
        raise InvitationNotFound
    _check_open(invitation, now)
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
        invitation.opened_at = now
        publish_invitation(invitation, "opened")
    return invitation


def open_invitation(*, token: str, now: datetime | None = None) -> Invitation:
    """The open invitation this link belongs to (first opening recorded); a clear error otherwise."""
    found = None
    if token:
        token_hash = hash_token(token)
        invitations = Invitation.objects.select_related(*_RELATIONS)
        found = (
            invitations.filter(token_hash=token_hash).first()
            or invitations.filter(reminder_token_hash=token_hash).first()
        )
    return _opened(found, now)


def find_invitation_by_code(*, code: str, now: datetime | None = None) -> Invitation:
    """The open invitation a letter's code belongs to, however it was typed."""
    raw = normalize_reference(code or "")
    found = None
    if len(raw) == CODE_LENGTH:
        found = Invitation.objects.select_related(*_RELATIONS).filter(code_hash=hash_token(raw)).first()
    return _opened(found, now)


def reopen_invitation(*, invitation_id: int, now: datetime | None = None) -> Invitation:
    """An invitation the client already opened by its code in this browser, if it is still open."""
    return _opened(Invitation.objects.select_related(*_RELATIONS).filter(pk=invitation_id).first(), now)


def invited_caseworker_ids(invitation: Invitation) -> list[int]:
    """The invited caseworker first, then the team."""
    team = invitation.team.exclude(pk=invitation.caseworker_id).order_by("pk").values_list("pk", flat=True)
    return [invitation.caseworker_id, *team]


def working_days_end(first: date, days: int) -> date:
    """The day after the `days`-th working day (Monday to Friday) from `first` on."""
    day, counted = first, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == days:
                return day + timedelta(days=1)
        day += timedelta(days=1)


def choice_range(invitation: Invitation, now: datetime) -> tuple[datetime, datetime]:
    """Where the client may pick: the window, or for a fixed invitation the next working days."""
    if invitation.window_from is not None:
        return invitation.window_from, invitation.window_until
    office = invitation.topic.office
    end_day = working_days_end(office.today(now) + timedelta(days=1), ALTERNATIVE_WORKING_DAYS)
    end = office.day_bounds(end_day, end_day)[0]
    return now, min(end, bookable_window(office, now)[1])


def invitation_times(
    *, invitation: Invitation, caseworker_ids: list[int] | None = None, now: datetime | None = None
) -> list[Slot]:
    """Free start times of the invited caseworker (or team) in the range the client may pick from."""
    now = now or timezone.now()
    begin, end = choice_range(invitation, now)
    zone = invitation.topic.office.zone
    modes = set(invitation.modes)
    slots = free_slots(
        topic=invitation.topic,
        date_from=begin.astimezone(zone).date(),
        date_to=end.astimezone(zone).date(),
        mode=invitation.modes[0] if len(modes) == 1 else None,
        caseworker_ids=caseworker_ids or invited_caseworker_ids(invitation),
        now=now,
    )
    return [slot for slot in slots if begin <= slot.start < end and modes & set(slot.modes)]


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",)).select_related(*_RELATIONS).get(pk=invitation.pk)
    )


def _release(invitation: Invitation, *, party: str, now: datetime) -> None:
    """Free the held time, if there is one."""
    held = invitation.appointment
    if held is None or held.status != Appointment.Status.HELD:
        return
    held = Appointment.objects.select_for_update().get(pk=held.pk)
    if held.status != Appointment.Status.HELD:
        return
    held.status = Appointment.Status.CANCELLED
    held.cancelled_by = party
    held.save(update_fields=["status", "cancelled_by", "updated_at"])
    publish_appointment(held, "cancelled")


def _close(invitation: Invitation, status: str, now: datetime, fields: tuple[str, ...] = ()) -> None:
    invitation.status = status
    invitation.answered_at = now if status in (Status.BOOKED, Status.DECLINED) else invitation.answered_at
    invitation.save(update_fields=["status", "answered_at", *fields, "updated_at"])
    # The reminder of an answered invitation has nothing left to say.
    Notification.objects.filter(
        invitation=invitation,
        kind=Notification.Kind.INVITATION_REMINDER,
        status=Notification.Status.PENDING,
    ).update(status=Notification.Status.CANCELLED, error="superseded", updated_at=now)
    publish_invitation(invitation, status)


_END_ACTIONS = {
    Status.DECLINED: Action.INVITATION_DECLINED,
    Status.REVOKED: Action.INVITATION_REVOKED,
    Status.EXPIRED: Action.INVITATION_EXPIRED,
}


def _end(
    invitation: Invitation, status: str, *, party: str, now: datetime, actor: AbstractBaseUser | None = None
) -> None:
    """Close a locked open invitation without a booking: the held time is freed, the audit log told."""
    _release(invitation, party=party, now=now)
    _close(invitation, status, now)
    record_audit(
        action=_END_ACTIONS[status],
        actor=actor,
        client=invitation.client,
        office=invitation.topic.office,
        party=party,
    )


def _check_mode(invitation: Invitation, mode: str | None, default: str) -> str:
    mode = mode or default
    if mode not in invitation.modes:
        raise ApplicationError(_("This topic cannot be booked for this kind of consultation."), field="mode")
    return mode


def accept_invitation(
    *, invitation: Invitation, mode: str | None = None, now: datetime | None = None
) -> Booking:
    """The client confirms the fixed time: the held appointment becomes their booking."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _locked(invitation)
        _check_open(invitation, now)
        if invitation.start is None:
            raise ApplicationError(_("Please choose a time."), field="start")
        held = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("topic__office")
            .get(pk=invitation.appointment_id)
        )
        if held.status != Appointment.Status.HELD or held.start <= now:
            raise SlotTaken(field="start")
        mode = _check_mode(invitation, mode, held.mode)
        if mode != held.mode:
            check = check_start(
                topic=held.topic,
                mode=mode,
                start=held.start,
                exclude_appointment_id=held.pk,
                caseworker_ids=[held.caseworker_id],
                now=now - held.topic.office.min_notice,  # a held time may be nearer than the notice
            )
            if not check.free:
                raise SlotNotOffered(field="mode")
        token, held.manage_token_hash = new_token()
        held.status = Appointment.Status.BOOKED
        held.mode = mode
        held.booked_by = None
        held.save(update_fields=["status", "mode", "manage_token_hash", "booked_by", "updated_at"])
        booking = confirm_booking(
            appointment=held, manage_token=token, actor=None, now=now, detail="invitation"
        )
        _close(invitation, Status.BOOKED, now)
    return booking


def choose_invitation_time(
    *, invitation: Invitation, start: datetime, mode: str | None = None, now: datetime | None = None
) -> Booking:
    """The client books a start among the invited caseworkers' free times in their range.

    On a fixed invitation this is "the time doesn't suit me": the held time is released
    in the same transaction in which the new one is booked.
    """
    now = now or timezone.now()
    if timezone.is_naive(start):
        raise ApplicationError(_("Please give the time with its UTC offset."), field="start")
    with transaction.atomic():
        invitation = _locked(invitation)
        _check_open(invitation, now)
        mode = _check_mode(invitation, mode, invitation.modes[0])
        begin, end = choice_range(invitation, now)
        if not begin <= start < end:
            raise SlotNotOffered(field="start")
        check = check_start(
            topic=invitation.topic,
            mode=mode,
            start=start,
            caseworker_ids=invited_caseworker_ids(invitation),
            now=now,
        )
        if not check.offered:
            raise SlotNotOffered(field="start")
        if not check.free:
            raise SlotTaken(field="start")
        order = [pk for pk in invited_caseworker_ids(invitation) if pk in check.free]
        _release(invitation, party=Party.CLIENT, now=now)
        token, token_hash = new_token()
        appointment = Appointment(
            reference=new_reference(),
            manage_token_hash=token_hash,
            client=invitation.client,
            topic=invitation.topic,
            mode=mode,
            language=invitation.language,
            interpreter_language=invitation.interpreter_language,
            call_room=new_call_room(),
        )
        appointment.set_times(start, invitation.topic)
        save_with_first_free(appointment, order, None)
        booking = confirm_booking(
            appointment=appointment, manage_token=token, actor=None, now=now, detail="invitation"
        )
        invitation.appointment = appointment
        _close(invitation, Status.BOOKED, now, fields=("appointment",))
    return booking


def decline_invitation(*, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """The client says no; a held time is free again at once."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _locked(invitation)
        _check_open(invitation, now)
        _end(invitation, Status.DECLINED, party=Party.CLIENT, now=now)
    return invitation


def revoke_invitation(
    *, invitation: Invitation, by: AbstractBaseUser, now: datetime | None = None
) -> Invitation:
    """Staff withdraw an open invitation: its links and code stop working, a held time is freed,
    and messages not sent yet stay unsent."""
    now = now or timezone.now()
    if not can_invite_for(by, invitation.caseworker):
        raise ApplicationError(_("You can invite for yourself, or as a coordinator for your office."))
    with transaction.atomic():
        invitation = _locked(invitation)
        if invitation.status != Status.OPEN:
            raise InvitationClosed(invitation.status)
        Notification.objects.filter(invitation=invitation, status=Notification.Status.PENDING).update(
            status=Notification.Status.CANCELLED, error="withdrawn", updated_at=now
        )
        _end(invitation, Status.REVOKED, party=Party.STAFF, now=now, actor=by)
    return invitation


# --- The worker's periodic jobs ------------------------------------------------------------------


def expire_invitations(*, now: datetime | None = None, limit: int = 200) -> int:
    """Close open invitations whose deadline passed and free their held times; safe to run in parallel."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        due = (
            Invitation.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(*_RELATIONS)
            .filter(status=Status.OPEN, deadline__lte=now)
            .order_by("deadline", "pk")[:limit]
        )
        for invitation in due:
            _end(invitation, Status.EXPIRED, party=Party.SYSTEM, now=now)
            done += 1
    return done


def remind_invitations(*, now: datetime | None = None, limit: int = 200) -> int:
    """Remind clients who have not answered, the office's hours before the deadline, once.

    An invitation sent after its reminder time (a short deadline) gets none. The reminder
    carries a link of its own; the first link keeps working.
    """
    now = now or timezone.now()
    longest = Office.objects.aggregate(hours=Max("invitation_reminder_hours"))["hours"] or 0
    done = 0
    with transaction.atomic():
        due = (
            Invitation.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(*_RELATIONS)
            .filter(
                status=Status.OPEN,
                reminded_at__isnull=True,
                deadline__gt=now,
                deadline__lte=now + timedelta(hours=longest),
                topic__office__invitation_reminder_hours__gt=0,
            )
            .order_by("deadline", "pk")[:limit]
        )
        for invitation in due:
            remind_at = invitation.deadline - timedelta(
                hours=invitation.topic.office.invitation_reminder_hours
            )
            sent = {Channel.SMS, Channel.EMAIL} & set(invitation.channels)
            if not sent or now < remind_at or invitation.created_at >= remind_at:
                continue
            token, invitation.reminder_token_hash = new_token()
            invitation.reminded_at = now
            invitation.save(update_fields=["reminder_token_hash", "reminded_at", "updated_at"])
            schedule_invitation_messages(
                invitation=invitation,
                kind=Notification.Kind.INVITATION_REMINDER,
                link=invitation_link(token),
                code="",
                now=now,
            )
            done += 1
    return done


def run_invitation_jobs(*, now: datetime | None = None) -> None:
    """What the message worker does about invitations every minute."""
    expire_invitations(now=now)
    remind_invitations(now=now)
