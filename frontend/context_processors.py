"""Template context every page may use: whether the signed-in member of staff coordinates."""

from appointments.services.permissions import coordinator_for


def staff(request) -> dict:
    return {"staff_is_coordinator": coordinator_for(getattr(request, "user", None)) is not None}
