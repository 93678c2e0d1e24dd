"""Invitations from the workspace: invite a client, print the letter, follow what became of each one.

The link's token and the letter's code are in clear text only in the answer to the invite: the
page that follows carries the letter as a download inside itself (a data: link) and nothing is
kept. A reprint gets a fresh code (`reprint_letters`); its QR code opens the code page filled in.
A coordinator prints the letters of many ticked invitations as one PDF for the post office.
A double submit of the invite form (same form id) invites once: a lock in the cache per form.
"""

import base64
import uuid
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.exceptions import ApplicationError
from appointments.models import Caseworker, Client, Invitation, Mode, Topic
from appointments.selectors import bookable_topics, invitation_state, invitations_for
from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails
from appointments.services.clients import find_clients_by_number
from appointments.services.invitation_import import ImportRefused, import_invitations
from appointments.services.invitations import (
    InvitationClosed,
    invitation_link,
    invite_client,
    revoke_invitation,
    working_days_end,
)
from appointments.services.letters import Letter, letters_pdf, reprint_letters
from appointments.services.permissions import (
    access_coordinator,
    access_own_caseworker,
    access_staff,
    clients_visible_to,
    coordinator_for,
    sees_office,
)
from appointments.services.phones import masked_number
from appointments.services.texts import when
from frontend.staff.forms import NewClientForm, SearchForm
from frontend.staff.invitation_forms import FIXED, ImportForm, InvitationForm, end_of_day

OFFER_WORKING_DAYS = 10
LOCK_SECONDS = 60 * 60
PENDING = 0
LIST_LIMIT = 200


def _viewer(request: HttpRequest) -> Caseworker | None:
    """The member of staff's caseworker profile (None for a superuser without one); 404 for others."""
    return access_staff(request.user)


def _inviter(request: HttpRequest) -> Caseworker:
    """Inviting needs a caseworker profile: it says the office (a superuser without one gets 404)."""
    return access_own_caseworker(request.user)


def _caseworkers(viewer: Caseworker) -> QuerySet[Caseworker]:
    """For whom the viewer may invite: themselves; a coordinator any active caseworker of the office."""
    if sees_office(viewer):
        return Caseworker.objects.filter(office_id=viewer.office_id, active=True)
    return Caseworker.objects.filter(pk=viewer.pk)


def _free_times(caseworker: Caseworker | None, topic: Topic | None, now: datetime) -> list[tuple[str, str]]:
    """The caseworker's free start times for the topic in the next working days, as select options."""
    if caseworker is None or topic is None:
        return []
    zone = topic.office.zone
    today = topic.office.today(now)
    slots = free_slots(
        topic=topic,
        date_from=today,
        date_to=working_days_end(today, OFFER_WORKING_DAYS),
        now=now,
        caseworker_ids=[caseworker.pk],
    )
    options = []
    for slot in slots:
        local = slot.start.astimezone(zone)
        moment = when(translation.get_language() or "de", local)
        options.append((slot.start.isoformat(), f"{moment['date']} {moment['time']}"))
    return options


def _picked_client(request: HttpRequest) -> Client | None:
    raw = request.GET.get("kunde", "")
    if not raw:
        return None
    client = clients_visible_to(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
    if client is None:
        raise Http404
    return client


def _deadline(form_data: dict, topic: Topic, now: datetime) -> tuple[datetime | None, tuple | None, datetime]:
    """The fixed time or the window, and the deadline: the end of the day given, but never after the time."""
    zone = topic.office.zone
    deadline = end_of_day(form_data["deadline"], zone)
    if form_data["kind"] == FIXED:
        start = datetime.fromisoformat(form_data["start"])
        return start, None, min(deadline, start - topic.office.min_notice)
    end_day = working_days_end(topic.office.today(now), form_data["window_days"])
    until = topic.office.day_bounds(end_day, end_day)[0]
    return None, (now, until), min(deadline, until)


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a client: the client (picked with ?kunde= or entered new), what, when, by when, how."""
    viewer = _inviter(request)
    now = timezone.now()
    client = _picked_client(request)
    caseworkers = _caseworkers(viewer)
    topics = bookable_topics().filter(office_id=viewer.office_id)
    action = request.POST.get("action") if request.method == "POST" else None
    search_form = SearchForm(request.POST if action == "search" else None)
    found, searched = [], False
    if action == "search" and search_form.is_valid():
        searched = True
        found = [
            {"id": c.pk, "name": c.name, "phone": masked_number(c.phone), "number": c.customer_number}
            for c in find_clients_by_number(search_form.cleaned_data["query"], viewer=request.user)
        ]
    bound = action in {"invite", "times"}
    data = request.POST if bound else None
    chosen_caseworker = caseworkers.filter(pk=(data or {}).get("caseworker") or viewer.pk).first()
    chosen_topic = topics.filter(slug=(data or {}).get("topic") or "").first() or (
        chosen_caseworker.topics.filter(pk__in=topics).first() if chosen_caseworker else None
    )
    form = InvitationForm(
        data,
        caseworkers=caseworkers,
        colleagues=Caseworker.objects.filter(office_id=viewer.office_id, active=True),
        topics=topics,
        free_times=_free_times(chosen_caseworker, chosen_topic, now),
        initial={
            "caseworker": viewer.pk,
            "topic": chosen_topic.slug if chosen_topic else None,
            "modes": [Mode.TELEPHONE, Mode.VIDEO],
            "kind": FIXED,
            "window_days": 10,
            "deadline": (now + timedelta(days=3)).astimezone(viewer.office.zone).date(),
            "channels": [Invitation.Channel.SMS, Invitation.Channel.LETTER],
        },
    )
    new_form = NewClientForm(data if client is None and bound else None, prefix="new")
    once = request.POST.get("once") if bound else str(uuid.uuid4())
    context = {
        "nav": "invite",
        "client": client,
        "client_phone": masked_number(client.phone) if client else "",
        "search_form": search_form,
        "found": found,
        "searched": searched,
        "form": form,
        "new_form": new_form,
        "once": once,
    }
    if action != "invite":
        status = 400 if action == "search" and not search_form.is_valid() else 200
        if action == "times":  # only the free times were asked for: what was typed stays, unjudged
            form.errors.clear()
            new_form.errors.clear()
        return render(request, "frontend/staff/invite.html", context, status=status)
    # The same form sent again (a double click, a reload) invites once: it finds its lock taken.
    lock = f"staff-invite:{request.user.pk}:{once}"
    if not once or cache.get(lock) is not None:
        messages.info(request, _("This invitation was sent already."))
        return redirect("staff:invitations")
    forms_valid = form.is_valid() & (client is not None or new_form.is_valid())
    if not forms_valid:
        return render(request, "frontend/staff/invite.html", context, status=400)
    answers = form.cleaned_data
    if not cache.add(lock, PENDING, LOCK_SECONDS):
        messages.info(request, _("This invitation was sent already."))
        return redirect("staff:invitations")
    start, window, deadline = _deadline(answers, answers["topic"], now)
    try:
        issued = invite_client(
            caseworker=answers["caseworker"],
            topic=answers["topic"],
            client=client if client is not None else ClientDetails(**new_form.cleaned_data),
            modes=answers["modes"],
            start=start,
            window=window,
            deadline=deadline,
            note=answers["note"],
            channels=answers["channels"],
            language=_code(answers["language"]),
            interpreter_language=_code(answers["interpreter_language"]),
            team=list(answers["team"]),
            invited_by=request.user,
            now=now,
        )
    except ApplicationError as error:
        cache.delete(lock)
        _show_error(form, new_form, error)
        return render(request, "frontend/staff/invite.html", context, status=400)
    cache.set(lock, issued.invitation.pk, LOCK_SECONDS)
    link = invitation_link(issued.token)
    pdf = letters_pdf([Letter(invitation=issued.invitation, link=link, code=issued.code)], now=now)
    return render(
        request,
        "frontend/staff/invite_done.html",
        {
            "nav": "invite",
            "invitation": issued.invitation,
            "link": link,
            "code": issued.code,
            "letter_href": _data_href(pdf),
            "letter_name": f"einladung-{issued.invitation.pk}.pdf",
        },
    )


def _code(language) -> str | None:
    return language.code if language else None


def _show_error(form: InvitationForm, new_form: NewClientForm, error: ApplicationError) -> None:
    """The service's refusal next to the field it is about, else above the form."""
    field = getattr(error, "field", None) or ""
    if field.startswith("client."):
        name = field.removeprefix("client.")
        if name in new_form.fields and new_form.is_bound:
            new_form.add_error(name, str(error))
            return
    name = {"window": "window_days", "team": "caseworker"}.get(field, field)
    form.add_error(name if name in form.fields else None, str(error))


# --- The list of invitations ----------------------------------------------------------------------


def state_labels() -> dict[str, str]:
    """What the list says for each word of `invitation_state`, in the viewer's language."""
    return {
        "pending": _("waiting to be sent"),
        "sent": _("sent"),
        "delivered": _("delivered"),
        "failed": _("failed"),
        "opened": _("opened"),
        **{value: str(label) for value, label in Invitation.Status.choices},
    }


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """The viewer's invitations (a coordinator's: the office's), newest first, with what became of each."""
    _viewer(request)
    status = request.GET.get("status", "")
    shown = invitations_for(request.user)
    if status in Invitation.Status.values:
        shown = shown.filter(status=status)
    labels = state_labels()
    rows = [
        {
            "invitation": invitation,
            "phone": masked_number(invitation.client.phone),
            "state": (state := invitation_state(invitation)),
            "state_label": labels.get(state, state),
            "open": invitation.status == Invitation.Status.OPEN,
        }
        for invitation in shown[:LIST_LIMIT]
    ]
    return render(
        request,
        "frontend/staff/invitations.html",
        {
            "nav": "invitations",
            "rows": rows,
            "status": status,
            "statuses": Invitation.Status.choices,
            "may_print": coordinator_for(request.user) is not None and any(row["open"] for row in rows),
            "once": str(uuid.uuid4()),
        },
    )


def _access_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    _viewer(request)
    invitation = invitations_for(request.user).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


@login_required
@require_POST
def revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _access_invitation(request, invitation_id)
    try:
        revoke_invitation(invitation=invitation, by=request.user)
    except InvitationClosed:
        messages.info(request, _("This invitation is no longer open."))
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The invitation was withdrawn."))
    return redirect(reverse("staff:invitations"))


def _pdf_response(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def reprint(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """A new letter with a fresh code (the old code stops working); its QR code opens the code page."""
    invitation = _access_invitation(request, invitation_id)
    try:
        reprint_ = reprint_letters(invitations=[invitation], by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error))
        return redirect(reverse("staff:invitations"))
    if reprint_.pdf is None:
        messages.error(request, _("This invitation is no longer open."))
        return redirect(reverse("staff:invitations"))
    return _pdf_response(reprint_.pdf, f"einladung-{invitation.pk}.pdf")


@login_required
@require_POST
def print_letters(request: HttpRequest) -> HttpResponse:
    """A coordinator's letters for the invitations ticked in the list, as one PDF for the post office.

    Each gets a fresh code. Ids of invitations not of the coordinator's office are ignored, as if
    not sent; those no longer open are named on the page and keep their codes. The same form
    sent twice prints once (a lock per form id): a second run would void the first PDF's codes.
    """
    coordinator = access_coordinator(request.user)
    ids = [int(raw) for raw in request.POST.getlist("invitation") if raw.isdigit()][:LIST_LIMIT]
    chosen = list(
        invitations_for(request.user)
        .filter(topic__office_id=coordinator.office_id, pk__in=ids)
        .order_by("pk")
    )
    if not chosen:
        messages.error(request, _("Please tick the invitations whose letters you want to print."))
        return redirect("staff:invitations")
    once = request.POST.get("once", "")
    lock = f"staff-invitation-letters:{request.user.pk}:{once}"
    if not once or not cache.add(lock, PENDING, LOCK_SECONDS):
        messages.info(request, _("These letters were printed already. Tick them again to print them anew."))
        return redirect("staff:invitations")
    now = timezone.now()
    try:
        reprint_ = reprint_letters(invitations=chosen, by=request.user, now=now)
    except ApplicationError as error:
        cache.delete(lock)
        messages.error(request, str(error))
        return redirect("staff:invitations")
    return render(
        request,
        "frontend/staff/invitation_letters_done.html",
        {
            "nav": "invitations",
            "printed": reprint_.printed,
            "closed": reprint_.closed,
            "letters_href": _data_href(reprint_.pdf) if reprint_.pdf else "",
            "letters_name": f"briefe-{now:%Y%m%d-%H%M}.pdf",
        },
    )


def _data_href(pdf: bytes) -> str:
    """A PDF as a download link inside the page: nothing is kept on the server."""
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")


# --- A coordinator's import of many invitations ---------------------------------------------------

IMPORTS = "staff_invitation_imports"
KEPT_IMPORTS = 3


def _letters_href(issued, now) -> str:
    """All letters of these invitations as one PDF, as a download link inside the page (nothing kept)."""
    letters = [
        Letter(invitation=item.invitation, link=invitation_link(item.token), code=item.code)
        for item in issued
        if Invitation.Channel.LETTER in item.invitation.channels
    ]
    if not letters:
        return ""
    return _data_href(letters_pdf(letters, now=now))


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a list, see the preview (every row checked, nothing written), confirm: all rows or none."""
    coordinator = access_coordinator(request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    context = {"nav": "invitations", "form": ImportForm()}
    if action == "preview":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "frontend/staff/invitation_import.html", context, status=400)
        data = form.cleaned_data["file"].read(200_001)
        options = {"channels": form.cleaned_data["channels"], "modes": form.cleaned_data["modes"]}
        try:
            result = import_invitations(
                data=data, office=coordinator.office, invited_by=request.user, dry_run=True, **options
            )
        except ImportRefused as error:
            form.add_error("file", str(error))
            return render(request, "frontend/staff/invitation_import.html", context, status=400)
        import_id = str(uuid.uuid4())
        kept = request.session.get(IMPORTS) if isinstance(request.session.get(IMPORTS), dict) else {}
        kept[import_id] = {"data": base64.b64encode(data).decode("ascii"), **options}
        request.session[IMPORTS] = dict(list(kept.items())[-KEPT_IMPORTS:])
        context |= {"preview": result, "import_id": import_id}
        return render(request, "frontend/staff/invitation_import.html", context)
    if action == "confirm":
        return _confirm_import(request, coordinator)
    return render(request, "frontend/staff/invitation_import.html", context)


def _confirm_import(request: HttpRequest, coordinator: Caseworker) -> HttpResponse:
    import_id = request.POST.get("import", "")
    kept = request.session.get(IMPORTS)
    planned = kept.get(import_id) if isinstance(kept, dict) else None
    lock = f"staff-invitation-import:{request.user.pk}:{import_id}"
    if planned is None or not cache.add(lock, PENDING, LOCK_SECONDS):
        messages.info(request, _("This list was imported already, or its preview is no longer open."))
        return redirect("staff:invitations")
    now = timezone.now()
    result = import_invitations(
        data=base64.b64decode(planned["data"]),
        office=coordinator.office,
        channels=planned["channels"],
        modes=planned["modes"],
        invited_by=request.user,
        dry_run=False,
        now=now,
    )
    if result.refused:  # something changed since the preview: nothing was written, it can be tried again
        cache.delete(lock)
        context = {"nav": "invitations", "form": ImportForm(), "preview": result, "import_id": import_id}
        return render(request, "frontend/staff/invitation_import.html", context, status=409)
    del kept[import_id]
    request.session[IMPORTS] = kept
    return render(
        request,
        "frontend/staff/invitation_import_done.html",
        {
            "nav": "invitations",
            "count": len(result.issued),
            "letters_href": _letters_href(result.issued, now),
            "letters_name": f"einladungen-{now:%Y%m%d-%H%M}.pdf",
        },
    )
