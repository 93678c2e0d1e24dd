"""The client's page of free times, for booking and for moving a booking: the own caseworker's first."""

from django.http import HttpRequest

from appointments.dates import day_param
from appointments.models import Caseworker, Client, Topic
from appointments.selectors import own_caseworker
from frontend.steps import slot_page

# The client whose manage link (or booking code and SMS code) this session has shown: their own
# caseworker's times come first when they book again. Only a proven session gets it, so the page
# tells a stranger nothing about a number.
KNOWN_CLIENT = "known_client"
ANY_CASEWORKER = "alle"  # ?alle=1: the times of every caseworker, not only the client's own


def times(request: HttpRequest, *, topic: Topic, mode: str, language: str | None, own: Caseworker | None):
    """The time step's times: the client's own caseworker's first, everybody's on `?alle=1`."""
    own_only = own is not None and request.GET.get(ANY_CASEWORKER) != "1"
    page = slot_page(
        topic=topic,
        mode=mode,
        language=language,
        first_day=day_param(request.GET, "from", None),
        caseworker=own if own_only else None,
    )
    query = f"{ANY_CASEWORKER}=1&" if own is not None and not own_only else ""
    return {
        **page,
        "office_phone": topic.office.phone,
        "own": own,
        "own_only": own_only,
        "any_param": ANY_CASEWORKER,
        "query": query,
    }


def chosen_own(request: HttpRequest, own: Caseworker | None) -> Caseworker | None:
    """The own caseworker if the time was picked from their list (the form says so, never an id)."""
    return own if own is not None and request.POST.get("own") == "1" else None


def known_own_caseworker(request: HttpRequest, topic: Topic) -> Caseworker | None:
    """The own caseworker of the client this session proved to be (see KNOWN_CLIENT), for this topic."""
    client_id = request.session.get(KNOWN_CLIENT)
    client = Client.objects.filter(pk=client_id).first() if isinstance(client_id, int) else None
    return own_caseworker(client=client, topic=topic) if client else None
