"""The client's booking steps: topic, mode, language, time, details, SMS code; then the booking made.

The answers live in the session under `FLOW`; every step checks the answers before it again, so
a step opened out of order, or a session that no longer fits the offer, leads back to the first
step that needs an answer (frontend.steps).
"""

import uuid
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError, NotFound, SlotNotOffered, SlotTaken, VerificationFailed
from appointments.models import Caseworker, GroupSession, Language, Mode
from appointments.selectors import self_bookable_topics
from appointments.services.booking import Booking, ClientDetails, book_appointment
from appointments.services.group_sessions import SessionFull, book_place, bookable_session
from appointments.services.limits import take_for_address, take_for_session
from appointments.services.permissions import access_booking
from appointments.services.texts import when
from appointments.services.verification import confirm_phone_verification, start_phone_verification
from frontend.public.forms import CodeForm, DetailsForm, LanguageForm, ModeForm, TopicForm
from frontend.public.group_sessions import session_full, sessions_page
from frontend.public.manage import Managed, booking_context
from frontend.public.times import chosen_own, known_own_caseworker, times
from frontend.steps import Steps, parse_start, posted, slot_gone, start_problem

FLOW = "booking"
DONE = "booked"
STEP_URLS = {
    "topic": "frontend:home",
    "mode": "frontend:mode",
    "language": "frontend:language",
    "start": "frontend:time",
    "details": "frontend:details",
}


class Flow(Steps):
    """The answers given so far, each checked against today's offer when read."""

    steps = ("topic", "mode", "language", "start", "details", "code")

    def __init__(self, request: HttpRequest) -> None:
        data = request.session.get(FLOW)
        super().__init__(request, data if isinstance(data, dict) else {})

    def store(self) -> None:
        self.request.session[FLOW] = self.data

    def back_from(self, step: str) -> HttpResponse | None:
        missing = self.first_missing(step)
        return redirect(STEP_URLS[missing]) if missing is not None else None

    def _valid_topic(self) -> bool:
        slug = self.data.get("topic")
        self.topic = self_bookable_topics().filter(slug=slug).first() if isinstance(slug, str) else None
        return self.topic is not None

    def _valid_mode(self) -> bool:
        return self.data.get("mode") in self.topic.modes

    def _valid_language(self) -> bool:
        code = self.data.get("language")
        return isinstance(code, str) and Language.objects.filter(code=code).exists()

    def _valid_start(self) -> bool:
        if self.topic.group:
            return self.session is not None
        return super()._valid_start()

    @cached_property
    def session(self) -> GroupSession | None:
        """The group session whose place the client chose (for a group topic)."""
        pk = self.data.get("session")
        return bookable_session(self.topic, pk) if isinstance(pk, int) else None

    def _valid_details(self) -> bool:
        return all(isinstance(self.data.get(key), str) for key in ("name", "phone"))

    @property
    def caseworker(self) -> Caseworker | None:
        """The own caseworker whose time the client chose at the time step (None: anyone free)."""
        pk = self.data.get("caseworker")
        return Caseworker.objects.filter(pk=pk, active=True).first() if isinstance(pk, int) else None

    @property
    def verification_id(self) -> str | None:
        """The pending SMS code's id, if the session holds a well-formed one."""
        try:
            return str(uuid.UUID(self.data.get("verification_id")))
        except (TypeError, ValueError, AttributeError):
            return None

    @property
    def interpreter_language(self) -> str | None:
        return self.data["language"] if self.data.get("interpreter") else None


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what this is, the language switch, and the first question (the topic)."""
    flow = Flow(request)
    form = TopicForm(
        posted(request), topics=self_bookable_topics(), initial={"topic": flow.data.get("topic")}
    )
    if request.method == "POST" and form.is_valid():
        previous = flow.data.get("topic")
        topic = form.cleaned_data["topic"]
        if previous != topic.slug:
            flow.data = {}
        flow.save(topic=topic.slug)
        return redirect("frontend:mode")
    return render(request, "frontend/home.html", {"form": form, "step": 1})


@Flow.step("mode")
def mode(request: HttpRequest, flow: Flow) -> HttpResponse:
    form = ModeForm(posted(request), modes=flow.topic.modes, initial={"mode": flow.data.get("mode")})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["mode"] != flow.data.get("mode"):
            flow.forget("start")
        flow.save(mode=form.cleaned_data["mode"])
        return redirect("frontend:language")
    return render(request, "frontend/mode.html", {"form": form, "topic": flow.topic, "step": 2})


@Flow.step("language")
def language(request: HttpRequest, flow: Flow) -> HttpResponse:
    initial = {
        "language": flow.data.get("language") or translation.get_language(),
        "interpreter": flow.data.get("interpreter", False),
    }
    form = LanguageForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        flow.save(language=form.cleaned_data["language"].code, interpreter=form.cleaned_data["interpreter"])
        flow.forget("start")
        return redirect("frontend:time")
    return render(request, "frontend/language.html", {"form": form, "step": 3})


@Flow.step("start")
def time_step(request: HttpRequest, flow: Flow) -> HttpResponse:
    topic = flow.topic
    if topic.group:
        return _session_step(request, flow)
    own = known_own_caseworker(request, topic)
    if request.method == "POST":
        start = parse_start(request.POST.get("start"))
        chosen = chosen_own(request, own)
        problem = start_problem(
            topic=topic, mode=flow.data["mode"], start=start, language=flow.spoken, caseworker=chosen
        )
        if problem is None:
            flow.save(start=start.isoformat(), caseworker=chosen.pk if chosen else None)
            return redirect("frontend:details")
        messages.error(request, problem.message)
        return redirect("frontend:time")
    page = times(request, topic=topic, mode=flow.data["mode"], language=flow.spoken, own=own)
    return render(
        request,
        "frontend/time.html",
        {**page, "step": 4, "action": reverse("frontend:time"), "interpreter": flow.data.get("interpreter")},
    )


def _session_step(request: HttpRequest, flow: Flow) -> HttpResponse:
    """For a group topic the time is one of its sessions, chosen by a button per session."""
    if request.method == "POST":
        raw = request.POST.get("session", "")
        session = bookable_session(flow.topic, int(raw)) if raw.isdigit() else None
        if session is not None:
            flow.save(session=session.pk, start=session.start.isoformat(), caseworker=None)
            return redirect("frontend:details")
        messages.error(request, _("This group session can no longer be booked."))
        return redirect("frontend:time")
    return render(request, "frontend/sessions.html", {**sessions_page(flow.topic), "step": 4})


@Flow.step("details")
def details(request: HttpRequest, flow: Flow) -> HttpResponse:
    fields = ("name", "phone", "email", "customer_number", "sms_consent")
    form = DetailsForm(posted(request), initial={key: flow.data.get(key) for key in fields})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["phone"] != flow.data.get("phone"):
            flow.forget("verification_id", "verification_token")
        flow.save(**form.cleaned_data)
        if not flow.topic.office.require_phone_verification or flow.data.get("verification_token"):
            return _book(request, flow)
        if flow.verification_id is None:
            try:
                _send_code(request, flow)
            except ApplicationError as exc:
                form.add_error("phone", exc.message)
                return render(request, "frontend/details.html", {"form": form, **_summary(flow), "step": 5})
        return redirect("frontend:code")
    return render(request, "frontend/details.html", {"form": form, **_summary(flow), "step": 5})


def _summary(flow: Flow) -> dict:
    local = flow.start.astimezone(flow.topic.office.zone)
    return {
        "topic": flow.topic,
        "mode_label": Mode(flow.data["mode"]).label,
        **when(translation.get_language(), local),
    }


def take_code_limits(request: HttpRequest) -> None:
    """A code asked for on these pages counts per address (the API's count) and per session."""
    take_for_address(request, "verification")
    take_for_session(request, "code-session")


def _send_code(request: HttpRequest, flow: Flow) -> None:
    take_code_limits(request)
    verification = start_phone_verification(
        phone=flow.data["phone"], language=translation.get_language(), office=flow.topic.office
    )
    flow.save(verification_id=str(verification.pk), code_sent_at=verification.created_at.isoformat())


def _resend_wait(flow: Flow) -> int:
    """Seconds until a new code may be asked for (shown as a countdown where JavaScript runs)."""
    try:
        sent = datetime.fromisoformat(flow.data.get("code_sent_at", ""))
    except (TypeError, ValueError):
        return 0
    elapsed = (timezone.now() - sent).total_seconds()
    return max(0, int(settings.PHONE_CODE_RESEND_SECONDS - elapsed))


@Flow.step("code")
def code(request: HttpRequest, flow: Flow) -> HttpResponse:
    if flow.verification_id is None:
        return redirect("frontend:details")
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            _send_code(request, flow)
            messages.success(request, _("We have sent you a new code."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("frontend:code")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            token = confirm_phone_verification(
                verification_id=flow.verification_id, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            flow.save(verification_token=token)
            flow.forget("verification_id")
            return _book(request, flow)
    return render(
        request,
        "frontend/code.html",
        {"form": form, "phone": flow.data["phone"], "resend_wait": _resend_wait(flow), "step": 6},
    )


def _book(request: HttpRequest, flow: Flow) -> HttpResponse:
    data = flow.data
    client = ClientDetails(
        name=data["name"],
        phone=data["phone"],
        email=data.get("email") or "",
        customer_number=data.get("customer_number") or "",
        language=translation.get_language(),
        sms_consent=bool(data.get("sms_consent")),
    )
    try:
        take_for_address(request, "booking-day")
        if flow.topic.group:
            booking = book_place(
                session=flow.session, client=client, verification_token=data.get("verification_token")
            )
        else:
            booking = book_appointment(
                topic=flow.topic,
                mode=data["mode"],
                start=flow.start,
                client=client,
                language=data["language"],
                interpreter_language=flow.interpreter_language,
                verification_token=data.get("verification_token"),
                caseworker=flow.caseworker,
            )
    except (SlotTaken, SlotNotOffered) as exc:
        flow.forget("start")
        messages.error(request, slot_gone(exc))
        return redirect("frontend:time")
    except SessionFull as exc:
        flow.forget("start", "session")
        messages.error(request, session_full(exc))
        return redirect("frontend:time")
    except VerificationFailed:
        flow.forget("verification_token", "verification_id")
        messages.error(request, _("Please confirm your mobile number again with a new code."))
        return redirect("frontend:details")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(STEP_URLS.get(_field_step(exc.field), "frontend:details"))
    request.session.pop(FLOW, None)
    return show_booked(request, booking)


def _field_step(field: str | None) -> str:
    return {"topic": "topic", "mode": "mode", "language": "language", "interpreter_language": "language"}.get(
        field or "", "details"
    )


def show_booked(request: HttpRequest, booking: Booking) -> HttpResponse:
    """Remember the booking just made (by these steps or an invitation) for the page that confirms it."""
    request.session[DONE] = {"reference": booking.appointment.reference, "token": booking.manage_token}
    return redirect("frontend:done")


def done(request: HttpRequest) -> HttpResponse:
    booked = request.session.get(DONE)
    if not isinstance(booked, dict):
        return redirect("frontend:home")
    try:
        appointment = access_booking(reference=booked.get("reference", ""), token=booked.get("token"))
    except NotFound:
        return redirect("frontend:home")
    context = booking_context(request, Managed(appointment, booked["token"]))
    return render(request, "frontend/done.html", context | {"step": 7})
