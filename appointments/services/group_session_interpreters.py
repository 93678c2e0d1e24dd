"""Interpreters for a group session's languages: staff assign, replace and remove them; they are told."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError, NotAllowed
from appointments.models import GroupSession, GroupSessionInterpreter, Interpreter, Language
from appointments.services.group_sessions import locked_changeable_session
from appointments.services.interpreter_matching import busy_interpreters
from appointments.services.interpreter_notices import tell_group_interpreter

# The language the sessions are held in; it needs no interpreter.
GERMAN = "de"


def interpreted_languages(session: GroupSession) -> QuerySet[Language]:
    """The session's languages that an interpreter may be assigned to: all but German."""
    return session.languages.exclude(code=GERMAN).order_by("code")


def _interpreters_of(session: GroupSession, language: Language) -> list[Interpreter]:
    """Active interpreters of the language who take the session's mode (in person, video)."""
    interpreters = Interpreter.objects.filter(active=True, languages__language=language).order_by("name")
    return [interpreter for interpreter in interpreters if session.mode in interpreter.modes]


def interpreters_to_assign(session: GroupSession, language: Language) -> list[Interpreter]:
    """Whom staff may choose for the language: its interpreters who are free then (and the one assigned)."""
    candidates = _interpreters_of(session, language)
    busy = busy_interpreters([i.pk for i in candidates], session.blocked_from, session.blocked_until)
    current = session.interpreters.filter(language=language).values_list("interpreter_id", flat=True).first()
    return [i for i in candidates if i.pk not in busy or i.pk == current]


def assign_group_interpreter(
    *,
    session: GroupSession,
    language: Language,
    interpreter: Interpreter,
    now: datetime | None = None,
) -> GroupSessionInterpreter:
    """The interpreter for one of the session's languages; one already there is replaced and told.

    The interpreter's row is locked while their time is checked (as when they accept a request),
    so that two sessions, or a session and a request, cannot both have them for the same hour.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = locked_changeable_session(session, now)
        if language.code == GERMAN or not session.languages.filter(pk=language.pk).exists():
            raise ApplicationError(
                _("Choose one of the session's languages other than German."), field="language"
            )
        interpreter = Interpreter.objects.select_for_update().get(pk=interpreter.pk)
        if interpreter not in _interpreters_of(session, language):
            raise ApplicationError(
                _("This interpreter does not take this language or this kind of session."),
                field="interpreter",
            )
        current = (
            session.interpreters.select_related("interpreter", "language").filter(language=language).first()
        )
        if current is not None and current.interpreter_id == interpreter.pk:
            return current
        if busy_interpreters([interpreter.pk], session.blocked_from, session.blocked_until):
            raise ApplicationError(_("This interpreter is not free at this time."), field="interpreter")
        if current is not None:
            tell_group_interpreter(current, "cancelled", now)
            current.delete()
        assignment = GroupSessionInterpreter.objects.create(
            session=session, language=language, interpreter=interpreter, assigned_at=now
        )
        tell_group_interpreter(assignment, "assigned", now)
    return assignment


def remove_group_interpreter(
    *, session: GroupSession, language: Language, now: datetime | None = None
) -> None:
    """The session's language goes without an interpreter; the one assigned is told."""
    now = now or timezone.now()
    with transaction.atomic():
        session = locked_changeable_session(session, now)
        current = (
            session.interpreters.select_related("interpreter", "language").filter(language=language).first()
        )
        if current is None:
            raise NotAllowed(_("No interpreter is assigned to this language."), field="language")
        tell_group_interpreter(current, "cancelled", now)
        current.delete()


def group_assignments_for(
    interpreter: Interpreter, *, now: datetime | None = None
) -> QuerySet[GroupSessionInterpreter]:
    """This interpreter's scheduled group sessions that have not ended yet, earliest first."""
    return (
        GroupSessionInterpreter.objects.filter(
            interpreter=interpreter,
            session__status=GroupSession.Status.SCHEDULED,
            session__end__gt=now or timezone.now(),
        )
        .select_related("session__topic__office", "language")
        .order_by("session__start")
    )
