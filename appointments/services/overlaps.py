"""Whether PostgreSQL refused a write because one of its exclusion constraints found overlapping times."""

from django.db import DatabaseError

# Named in migrations 0002 and 0006, which create them (SQLite has neither).
APPOINTMENT_OVERLAP = "appointment_no_overlap"
INTERPRETER_OVERLAP = "interpreter_no_overlap"

EXCLUSION_VIOLATION = "23P01"
# In a many-way race for one time PostgreSQL may settle it with a deadlock instead; the loser
# lost the same race, so it counts as the overlap too.
DEADLOCK = "40P01"


def is_overlap(error: DatabaseError, constraint: str) -> bool:
    """Whether `error` is `constraint` refusing an overlap (or the deadlock a race for it ends in)."""
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None)
    if state == DEADLOCK:
        return True
    named = getattr(getattr(cause, "diag", None), "constraint_name", None)
    return state == EXCLUSION_VIOLATION and named == constraint
