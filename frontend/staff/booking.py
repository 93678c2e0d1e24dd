"""Booking for a client who phoned: find or enter the client, say what about, pick a time, confirm.

Each booking in progress is a draft in the session under its own id (in the URL), so two
tabs can book for two callers. Nothing is written before the last step; a lock in the
cache per draft makes a double submit of that step book once.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from appointments.dates import day_param
from appointments.exceptions import ApplicationError, SlotNotOffered, SlotTaken
from appointments.models import Appointment, Caseworker, Client, Language, Mode
from appointments.selectors import bookable_topics
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.clients import find_clients_by_number
from appointments.services.permissions import access_staff, can_view_appointment, clients_visible_to
from appointments.services.phones import masked_number, normalize_mobile_number
from appointments.services.texts import when
from frontend.staff.days import day_url
from frontend.staff.forms import ME, OFFICE, NewClientForm, RequestForm, SearchForm
from frontend.steps import Steps, parse_start, posted, slot_gone, slot_page, start_problem

DRAFTS = "staff_bookings"
STEP_URLS = {"request": "book-request", "start": "book-time"}
KEPT_DRAFTS = 10
DAYS_PER_PAGE = 5  # a desk's wide screen, while the client's phone shows fewer
LOCK_SECONDS = 60 * 60
PENDING = 0


def _viewer(request: HttpRequest) -> Caseworker | None:
    """The member of staff's caseworker profile (None for a superuser without one); 404 for others."""
    return access_staff(request.user)


def _topics(viewer: Caseworker | None):
    """Topics a member of staff books: their office's; a superuser without an office any."""
    topics = bookable_topics()
    return topics.filter(office_id=viewer.office_id) if viewer else topics


class Draft(Steps):
    """The answers of one booking in progress, each checked again whenever read."""

    steps = ("client", "request", "start", "confirm")

    def __init__(self, request: HttpRequest, draft: uuid.UUID) -> None:
        self.id = str(draft)
        drafts = request.session.get(DRAFTS)
        super().__init__(request, drafts.get(self.id) if isinstance(drafts, dict) else None)
        self.viewer = _viewer(request)
        self.client: Client | None = None

    @classmethod
    def begin(cls, request: HttpRequest, data: dict) -> "Draft":
        drafts = request.session.get(DRAFTS)
        drafts = drafts if isinstance(drafts, dict) else {}
        draft_id = uuid.uuid4()
        drafts[str(draft_id)] = data
        # The oldest drafts go: an abandoned call leaves nothing behind for long.
        request.session[DRAFTS] = dict(list(drafts.items())[-KEPT_DRAFTS:])
        return cls(request, draft_id)

    def store(self) -> None:
        self.request.session[DRAFTS] = {**self.request.session.get(DRAFTS, {}), self.id: self.data}

    def url(self, name: str) -> str:
        return reverse(f"staff:{name}", kwargs={"draft": self.id})

    def back_from(self, step: str) -> HttpResponse | None:
        if self.data is None:
            messages.error(self.request, _("This booking is no longer open. Please start again."))
            return redirect("staff:book")
        if "appointment_id" in self.data:  # booked already: going back changes nothing
            return redirect(self.url("book-done"))
        missing = self.first_missing(step)
        if missing == "client":
            return redirect("staff:book")
        if missing:
            return redirect(self.url(STEP_URLS[missing]))
        return None

    def _valid_client(self) -> bool:
        client_id = self.data.get("client_id")
        if isinstance(client_id, int):
            self.client = clients_visible_to(self.request.user).filter(pk=client_id).first()
            return self.client is not None
        return isinstance(self.data.get("new_client"), dict)

    def _valid_request(self) -> bool:
        slug = self.data.get("topic")
        self.topic = _topics(self.viewer).filter(slug=slug).first() if isinstance(slug, str) else None
        if self.topic is None or self.data.get("mode") not in self.topic.modes:
            return False
        if self.data.get("who") == ME and not (
            self.viewer and self.viewer.topics.filter(pk=self.topic.pk).exists()
        ):
            return False
        return Language.objects.filter(code=self.data.get("language")).exists()

    @property
    def caseworker(self) -> Caseworker | None:
        """The caseworker asked for, or None when any caseworker of the office will do."""
        return self.viewer if self.data.get("who") == ME else None

    @property
    def interpreter_language(self) -> str | None:
        return self.data.get("interpreter_language")

    @property
    def client_details(self) -> ClientDetails:
        """The new client as entered, or the found client's stored details (left as they are)."""
        if self.client is not None:
            return ClientDetails(
                name=self.client.name,
                phone=self.client.phone,
                email=self.client.email,
                customer_number=self.client.customer_number,
                language=self.client.language,
                sms_consent=self.client.sms_consent,
            )
        return ClientDetails(**self.data["new_client"])

    @property
    def lock_key(self) -> str:
        return f"staff-booking:{self.request.user.pk}:{self.id}"


def _search_page(request, *, search_form, new_form, found=None, searched=False, status=200):
    # The caret goes where the next keystroke belongs: a wrong answer, a new client's name, or the search.
    if new_form.errors:
        focused = new_form[next(iter(new_form.errors))]
    else:
        focused = new_form["name"] if searched and not found else search_form["query"]
    focused.field.widget.attrs["autofocus"] = True
    return render(
        request,
        "frontend/staff/book.html",
        {
            "nav": "book",
            "search_form": search_form,
            "new_form": new_form,
            "found": found or [],
            "searched": searched,
        },
        status=status,
    )


@login_required
def book(request: HttpRequest) -> HttpResponse:
    """Step 1: search by mobile or customer number; pick the client found or enter a new one."""
    _viewer(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "pick":
        raw = request.POST.get("client", "")
        client = clients_visible_to(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
        if client is None:
            raise Http404
        return redirect(Draft.begin(request, {"client_id": client.pk}).url("book-request"))
    if action == "new":
        new_form = NewClientForm(request.POST)
        if new_form.is_valid():
            details = {**new_form.cleaned_data}
            return redirect(Draft.begin(request, {"new_client": details}).url("book-request"))
        return _search_page(request, search_form=SearchForm(), new_form=new_form, status=400)
    if action == "search":
        search_form = SearchForm(request.POST)
        if not search_form.is_valid():
            return _search_page(request, search_form=search_form, new_form=NewClientForm(), status=400)
        query = search_form.cleaned_data["query"]
        found = [
            {
                "id": c.pk,
                "name": c.name,
                "phone": masked_number(c.phone),
                "customer_number": c.customer_number,
            }
            for c in find_clients_by_number(query, viewer=request.user)
        ]
        return _search_page(
            request,
            search_form=search_form,
            new_form=NewClientForm(initial={} if found else _new_client_guess(query)),
            found=found,
            searched=True,
        )
    return _search_page(request, search_form=SearchForm(), new_form=NewClientForm())


def _new_client_guess(query: str) -> dict:
    """What the search already tells about a new client: the mobile number or the customer number."""
    initial = {}
    try:
        initial["phone"] = normalize_mobile_number(query)
    except ApplicationError:
        initial["customer_number"] = query.strip()
    return initial


def _own_topic_ids(viewer: Caseworker | None) -> set[int] | None:
    if viewer is None:
        return None
    ids = set(viewer.topics.values_list("pk", flat=True))
    return ids or None


def _summary(draft: Draft) -> dict:
    """What the pages after step 1 show of the booking so far."""
    details = draft.client_details
    summary = {"client_name": details.name, "client_phone": details.phone, "new_client": draft.client is None}
    if draft.topic is not None:
        summary |= {
            "topic": draft.topic,
            "mode_label": Mode(draft.data["mode"]).label,
            "language": Language.objects.filter(code=draft.data["language"]).first(),
            "interpreter": Language.objects.filter(code=draft.data.get("interpreter_language") or "").first(),
            "with_me": draft.data.get("who") == ME,
        }
    return summary


@login_required
@Draft.step("request")
def request_step(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Step 2: topic, kind of consultation, language, interpreter, and with whom."""
    own = _own_topic_ids(draft.viewer)
    topics = _topics(draft.viewer)
    data = draft.data
    first_topic = topics.first()
    initial = {
        "topic": data.get("topic") or (first_topic.slug if first_topic else None),
        "mode": data.get("mode") or Mode.TELEPHONE,
        "language": data.get("language") or "de",
        "interpreter_language": data.get("interpreter_language"),
        "who": data.get("who") or (ME if own else OFFICE),
    }
    form = RequestForm(
        posted(request),
        topics=topics,
        own_topic_ids=own,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        answers = form.cleaned_data
        interpreter = answers["interpreter_language"]
        draft.save(
            topic=answers["topic"].slug,
            mode=answers["mode"],
            language=answers["language"].code,
            interpreter_language=interpreter.code if interpreter else None,
            who=answers["who"],
        )
        draft.forget("start")
        return redirect(draft.url("book-time"))
    status = 400 if request.method == "POST" else 200
    context = {"nav": "book", "form": form, "draft": draft, **_summary(draft)}
    return render(request, "frontend/staff/book_request.html", context, status=status)


def _time_page(request: HttpRequest, draft: Draft, *, status: int = 200) -> HttpResponse:
    page = slot_page(
        topic=draft.topic,
        mode=draft.data["mode"],
        language=draft.spoken,
        first_day=day_param(request.GET, "von", None),
        caseworker=draft.caseworker,
        per_page=DAYS_PER_PAGE,
    )
    later_url = f"{draft.url('book-time')}?{urlencode({'von': page['later']})}" if page["later"] else None
    context = {"nav": "book", "draft": draft, "later_url": later_url, **page, **_summary(draft)}
    return render(request, "frontend/staff/book_time.html", context, status=status)


@login_required
@Draft.step("start")
def time_step(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Step 3: a time from the free ones; or widen the search to any caseworker of the office."""
    if request.method != "POST":
        return _time_page(request, draft)
    if request.POST.get("who") == OFFICE:
        draft.save(who=OFFICE)
        return redirect(draft.url("book-time"))
    problem = start_problem(
        topic=draft.topic,
        mode=draft.data["mode"],
        start=parse_start(request.POST.get("start")),
        language=draft.spoken,
        caseworker=draft.caseworker,
    )
    if problem:
        messages.error(request, problem.message)
        return _time_page(request, draft, status=problem.status_code)
    draft.save(start=request.POST["start"])
    return redirect(draft.url("book-confirm"))


@login_required
@Draft.step("confirm")
def confirm(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Step 4: what will be booked; the button books it."""
    if request.method == "POST":
        return _book(request, draft)
    zone = draft.topic.office.zone
    local = draft.start.astimezone(zone)
    context = {"nav": "book", "draft": draft, **when(translation.get_language(), local), **_summary(draft)}
    return render(request, "frontend/staff/book_confirm.html", context)


def _book(request: HttpRequest, draft: Draft) -> HttpResponse:
    # A second submit of the same draft, while the first is running or after it, books nothing.
    if not cache.add(draft.lock_key, PENDING, LOCK_SECONDS):
        return redirect(draft.url("book-done"))
    data = draft.data
    try:
        booking = book_appointment(
            topic=draft.topic,
            mode=data["mode"],
            start=draft.start,
            client=draft.client_details,
            language=data["language"],
            interpreter_language=data.get("interpreter_language"),
            booked_by=request.user,
            caseworker=draft.caseworker,
        )
    except (SlotTaken, SlotNotOffered) as exc:
        cache.delete(draft.lock_key)
        draft.forget("start")
        messages.error(request, slot_gone(exc))
        return _time_page(request, draft, status=exc.status_code)
    except ApplicationError as exc:
        cache.delete(draft.lock_key)
        messages.error(request, exc.message)
        step = "book-request" if exc.field in {"topic", "mode", "language", "interpreter_language"} else None
        return redirect(draft.url(step) if step else "staff:book")
    except Exception:
        cache.delete(draft.lock_key)  # nothing was booked: the draft may be tried again
        raise
    cache.set(draft.lock_key, booking.appointment.pk, LOCK_SECONDS)
    draft.save(appointment_id=booking.appointment.pk)
    if booking.details_kept:
        messages.warning(
            request,
            _(
                "This mobile number is known with other details, which were kept: only an office "
                "that already serves the client may change them."
            ),
        )
    return redirect(draft.url("book-done"))


@login_required
def done(request: HttpRequest, draft: uuid.UUID) -> HttpResponse:
    """Step 5: the booking code to read out, and where to go next."""
    draft = Draft(request, draft)
    appointment_id = (draft.data or {}).get("appointment_id") or cache.get(draft.lock_key)
    if appointment_id == PENDING:  # a first submit is still booking
        return render(request, "frontend/staff/book_done.html", {"nav": "book", "pending": True})
    appointment = (
        Appointment.objects.select_related("topic__office", "caseworker", "client")
        .filter(pk=appointment_id, booked_by=request.user)
        .first()
        if isinstance(appointment_id, int)
        else None
    )
    if appointment is None:
        return redirect("staff:book")
    local = appointment.start.astimezone(appointment.topic.office.zone)
    back = reverse("staff:day")  # a colleague's booking: back to one's own day
    if draft.viewer and appointment.caseworker_id == draft.viewer.pk:
        back = day_url(draft.viewer, local.date(), draft.viewer)
    context = {
        "nav": "book",
        "appointment": appointment,
        "can_view": can_view_appointment(request.user, appointment),
        "back_to_day_url": back,
        **when(translation.get_language(), local),
    }
    return render(request, "frontend/staff/book_done.html", context)
