"""Template context for every page: whether the user works in the staff workspace, and coordinates."""

from appointments.services.permissions import coordinator_for, is_staff_viewer


def staff(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "staff_is_caseworker": user is not None and is_staff_viewer(user),
        "staff_is_coordinator": coordinator_for(user) is not None,
    }
