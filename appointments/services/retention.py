"""Personal data kept no longer than needed: clients and past appointments anonymised after retention.

An appointment that ended more than its office's `retention_days` ago loses its free text and
its messages' addresses and bodies. A client whose every appointment is that old loses name,
number, e-mail and customer number. What the figures count (status, mode, language, topic,
times, caseworker, interpreter request) stays. Codes and replies to numbers that never booked go
after the shortest retention period, group-call passes a day after their call; expired sessions
are cleared by the worker. Erasure on request
(services/privacy.py) uses the same `anonymise_clients`. Work goes in batches, each its own short transaction.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from appointments.models import (
    Appointment,
    AuditEntry,
    Client,
    GroupCallPass,
    InterpreterDecline,
    Invitation,
    Notification,
    Office,
    PhoneVerification,
)
from appointments.services.audit import record_audit

BATCH = 500
# Placeholders: Client.phone is unique, so an anonymised client keeps a unique non-number.
ANONYMOUS_PREFIX = "anon-"
ANONYMOUS_NAME = "–"
# Bodies of finished messages are kept this long for staff to see what went out, then blanked.
FINISHED_BODY_DAYS = 30
# Codes live minutes and tokens half an hour (settings); a day later every verification is spent.
SPENT_VERIFICATION_HOURS = 24
# A group call's passes expire as its room closes.
SPENT_PASS_HOURS = 24

Status = Notification.Status
_FINISHED = (Status.SENT, Status.FAILED, Status.CANCELLED)


def _placeholder():
    """`anon-<id>` of the row itself: unique, where the address or number stood."""
    return Concat(Value(ANONYMOUS_PREFIX), Cast("id", CharField()))


def _blanked_here() -> Q:
    """The messages `_anonymise_appointments` blanks: the client's, and everyone's once finished."""
    return Q(audience=Notification.Audience.CLIENT) | Q(status__in=_FINISHED)


def _anonymise_appointments(appointment_ids: list[int], now: datetime) -> None:
    """Free text and messages of these appointments; the caller holds the transaction."""
    Appointment.objects.filter(pk__in=appointment_ids).update(
        cancel_reason="", outcome_note="", updated_at=now
    )
    InterpreterDecline.objects.filter(request__appointment_id__in=appointment_ids).update(reason="")
    messages = Notification.objects.filter(appointment_id__in=appointment_ids)
    # What is still to go to the client never goes: they are gone, or asked to be forgotten.
    messages.filter(audience=Notification.Audience.CLIENT, status=Status.PENDING).update(
        status=Status.CANCELLED, error="anonymised", updated_at=now
    )
    # Staff's and interpreters' pending notices carry no client data and still go out.
    messages.filter(_blanked_here()).update(body="", subject="", recipient=_placeholder(), updated_at=now)


def anonymise_clients(
    client_ids: Iterable[int],
    *,
    now: datetime | None = None,
    action: str = AuditEntry.Action.ANONYMISED,
    actor=None,
) -> int:
    """Replace the clients' personal data and anonymise all their appointments, in one transaction.

    One audit entry per client and office they had appointments at; `actor` and `action`
    say who asked (erasure by a coordinator) or that retention did it (the system).
    """
    now = now or timezone.now()
    with transaction.atomic():
        clients = list(
            Client.objects.select_for_update()
            .filter(pk__in=list(client_ids))
            .exclude(phone__startswith=ANONYMOUS_PREFIX)
        )
        if not clients:
            return 0
        ids = [client.pk for client in clients]
        phones = [client.phone for client in clients]
        appointments = Appointment.objects.filter(client_id__in=ids)
        _anonymise_appointments(list(appointments.values_list("pk", flat=True)), now)
        # Codes and replies belong to no appointment; they name the number only.
        unattached = Notification.objects.filter(appointment__isnull=True, recipient__in=phones)
        unattached.filter(status=Status.PENDING).update(status=Status.CANCELLED, error="anonymised")
        unattached.update(body="", subject="", recipient=_placeholder(), updated_at=now)
        # Invitations lose their note and their messages; an open one can no longer be used.
        invitations = Invitation.objects.filter(client_id__in=ids)
        invited = Notification.objects.filter(invitation__in=invitations)
        invited.filter(status=Status.PENDING).update(status=Status.CANCELLED, error="anonymised")
        invited.update(body="", subject="", recipient=_placeholder(), updated_at=now)
        invitations.filter(status=Invitation.Status.OPEN).update(
            status=Invitation.Status.REVOKED, updated_at=now
        )
        invitations.update(note="", updated_at=now)
        PhoneVerification.objects.filter(phone__in=phones).delete()
        Client.objects.filter(pk__in=ids).update(
            name=ANONYMOUS_NAME,
            phone=_placeholder(),
            email="",
            customer_number="",
            sms_consent=False,
            updated_at=now,
        )
        offices = {
            office.pk: office for office in Office.objects.filter(topics__appointments__client_id__in=ids)
        }
        pairs = appointments.values_list("client_id", "topic__office_id").distinct()
        by_id = {client.pk: client for client in clients}
        party = None if actor is not None else Appointment.Party.SYSTEM
        for client_id, office_id in sorted(set(pairs)):
            record_audit(
                action=action, actor=actor, party=party, client=by_id[client_id], office=offices[office_id]
            )
    return len(clients)


def anonymise_office_part(client: Client, *, office: Office, now: datetime | None = None, actor=None) -> None:
    """Erase what one office holds about a client whom other offices still serve.

    The office's appointments are anonymised as above and handed, with the office's invitations,
    to a stand-in client of their own (`anon-<id>`, no data), so the figures still count them,
    nothing at this office leads back to the person, and the shared record stays for the others.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Appointment.objects.filter(client=client, topic__office=office).values_list("pk", flat=True)
        )
        invitations = Invitation.objects.filter(client=client, topic__office=office)
        if not ids and not invitations.exists():
            return  # nothing of the office's left: erased before
        _anonymise_appointments(ids, now)
        stand_in = Client.objects.create(
            name=ANONYMOUS_NAME, phone=f"{ANONYMOUS_PREFIX}{uuid.uuid4().hex[:15]}"
        )
        Client.objects.filter(pk=stand_in.pk).update(phone=_placeholder())
        Appointment.objects.filter(pk__in=ids).update(client=stand_in, updated_at=now)
        invitations.update(client=stand_in, note="")
        record_audit(
            action=AuditEntry.Action.ERASED, actor=actor, client=client, office=office, detail="office"
        )


def _cutoffs(now: datetime) -> list[tuple[int, datetime]]:
    return [
        (pk, now - timedelta(days=days)) for pk, days in Office.objects.values_list("pk", "retention_days")
    ]


def _ended_before_retention(cutoffs: list[tuple[int, datetime]], field: str = "end") -> Q:
    expired = Q(pk__in=[])
    for office_id, cutoff in cutoffs:
        expired |= Q(topic__office_id=office_id, **{f"{field}__lte": cutoff})
    return expired


def _batches(queryset) -> Iterable[list[int]]:
    """Ids in ascending batches, each read afresh after the one before was worked on."""
    last = 0
    while ids := list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        yield ids
        last = ids[-1]


def anonymise_expired(*, now: datetime | None = None) -> int:
    """Anonymise what outlived its office's retention period; returns how many clients. Idempotent."""
    now = now or timezone.now()
    cutoffs = _cutoffs(now)
    expired = _ended_before_retention(cutoffs)
    old = Appointment.objects.filter(expired)
    still_kept = Appointment.objects.filter(client=OuterRef("pk")).exclude(expired)
    # An invitation counts from its deadline, answered or not; one still running keeps its client.
    invitations_expired = _ended_before_retention(cutoffs, "deadline")
    old_invitations = Invitation.objects.filter(invitations_expired, client=OuterRef("pk"))
    invited_still = Invitation.objects.filter(client=OuterRef("pk")).exclude(invitations_expired)
    due = (
        Client.objects.exclude(phone__startswith=ANONYMOUS_PREFIX)
        .filter(Exists(old.filter(client=OuterRef("pk"))) | Exists(old_invitations))
        .exclude(Exists(still_kept))
        .exclude(Exists(invited_still))
    )
    count = 0
    for ids in _batches(due):
        count += anonymise_clients(ids, now=now)
    # Old appointments of clients who are still kept (a newer booking) lose their free text and messages.
    unblanked = Notification.objects.filter(_blanked_here(), appointment=OuterRef("pk")).exclude(
        body="", subject="", recipient__startswith=ANONYMOUS_PREFIX
    )
    leftovers = old.filter(~Q(cancel_reason="") | ~Q(outcome_note="") | Q(Exists(unblanked)))
    for ids in _batches(leftovers):
        with transaction.atomic():
            _anonymise_appointments(ids, now)
    blank_finished_bodies(now=now)
    delete_spent_verifications(now=now)
    delete_spent_call_passes(now=now)
    anonymise_unbooked_numbers(now=now)
    return count


def blank_finished_bodies(*, now: datetime | None = None) -> int:
    """Blank the text of messages that were finished long ago: kept until then to allow a resend."""
    now = now or timezone.now()
    # The last change of a finished message is its end (or its delivery report).
    finished = Notification.objects.filter(
        status__in=_FINISHED, updated_at__lt=now - timedelta(days=FINISHED_BODY_DAYS)
    ).exclude(body="")
    count = 0
    for ids in _batches(finished):
        count += Notification.objects.filter(pk__in=ids).update(body="", updated_at=now)
    return count


def anonymise_unbooked_numbers(*, now: datetime | None = None) -> int:
    """Codes and replies to numbers that never booked: no client takes them along when anonymised,
    so they lose number and text after the shortest retention period of any office."""
    now = now or timezone.now()
    default = Office._meta.get_field("retention_days").default
    days = min(Office.objects.values_list("retention_days", flat=True), default=default)
    unbooked = (
        Notification.objects.filter(
            channel=Notification.Channel.SMS,
            appointment__isnull=True,
            invitation__isnull=True,
            created_at__lt=now - timedelta(days=days),
        )
        .exclude(recipient__startswith=ANONYMOUS_PREFIX)
        .exclude(recipient__in=Client.objects.values("phone"))
    )
    count = 0
    for ids in _batches(unbooked):
        with transaction.atomic():
            rows = Notification.objects.filter(pk__in=ids)
            rows.filter(status=Status.PENDING).update(status=Status.CANCELLED, error="anonymised")
            count += rows.update(body="", subject="", recipient=_placeholder(), updated_at=now)
    return count


def clear_expired_sessions() -> None:
    """What `manage.py clearsessions` does: sessions hold a just-booked client's manage link."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def _delete_in_batches(queryset) -> int:
    count = 0
    while ids := list(queryset.values_list("pk", flat=True)[:BATCH]):
        count += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return count


def delete_spent_verifications(*, now: datetime | None = None) -> int:
    """Delete verifications whose code and token have long expired, used or not."""
    now = now or timezone.now()
    return _delete_in_batches(
        PhoneVerification.objects.filter(created_at__lt=now - timedelta(hours=SPENT_VERIFICATION_HOURS))
    )


def delete_spent_call_passes(*, now: datetime | None = None) -> int:
    """Delete group-call passes a day after their room closed: their tokens open nothing any more,
    and a removal needs no remembering once the call is over."""
    now = now or timezone.now()
    return _delete_in_batches(
        GroupCallPass.objects.filter(expires_at__lt=now - timedelta(hours=SPENT_PASS_HOURS))
    )
