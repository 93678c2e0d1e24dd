"""Channels group names for call rooms, and which groups a staff member's or interpreter's feed joins."""

from appointments.events import caseworker_group, interpreter_group, interpreter_language_group, office_group
from appointments.services.permissions import caseworker_for, coordinator_for, interpreter_for


def call_group(room: str) -> str:
    """The group of everyone connected to one call room (room ids are URL-safe, group-name-safe)."""
    return f"call.{room}"


def staff_feed_groups(user) -> list[str]:
    """A caseworker's own group, plus the office's for a coordinator; nothing for anybody else."""
    caseworker = caseworker_for(user)
    if caseworker is None:
        return []
    groups = [caseworker_group(caseworker.pk)]
    if coordinator_for(user) is not None:  # who sees the team page gets its live updates
        groups.append(office_group(caseworker.office_id))
    return groups


def interpreter_feed_groups(user) -> list[str]:
    """The interpreter's own group and one per language they work in; nothing for anybody else."""
    interpreter = interpreter_for(user)
    if interpreter is None:
        return []
    languages = interpreter.languages.values_list("language_id", flat=True)
    return [interpreter_group(interpreter.pk), *(interpreter_language_group(code) for code in languages)]
