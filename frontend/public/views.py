"""The client's booking and manage pages: each view parses a form, calls a service and renders.

The booking flow keeps its answers in the session under `FLOW`; every step checks
the answers before it again, so a step opened out of order, or a session that no
longer fits the offer, leads back to the first step that needs an answer.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.access import access_booking, access_booking_by_token, booking_for_phone
from appointments.dates import day_param, parse_moment
from appointments.exceptions import (
    ApplicationError,
    InvalidDate,
    NotAllowed,
    SlotNotOffered,
    SlotTaken,
    VerificationFailed,
)
from appointments.models import Appointment, Caseworker, Client, Language, Mode, Topic
from appointments.selectors import own_caseworker, self_bookable_topics
from appointments.services.availability import Slot, check_start, free_slots
from appointments.services.booking import (
    ClientDetails,
    book_appointment,
    cancel_appointment,
    consultation_language,
    reschedule_appointment,
)
from appointments.services.finding import confirm_finding, start_finding
from appointments.services.limits import take_for_address, take_for_session
from appointments.services.texts import when
from appointments.services.verification import confirm_phone_verification, start_phone_verification
from frontend.public.forms import CodeForm, DetailsForm, FindBookingForm, LanguageForm, ModeForm, TopicForm

FLOW = "booking"
DONE = "booked"
FINDING = "finding"
MANAGING = "managing"
# The client whose manage link (or booking code and SMS code) this session has shown: their own
# caseworker's times come first when they book again. Only a proven session gets it, so the page
# tells a stranger nothing about a number.
KNOWN_CLIENT = "known_client"
DAYS_PER_PAGE = 3
JOIN_BEFORE = timedelta(minutes=10)
STEPS = ("topic", "mode", "language", "start", "details", "code")
STEP_URLS = {
    "topic": "frontend:home",
    "mode": "frontend:mode",
    "language": "frontend:language",
    "start": "frontend:time",
    "details": "frontend:details",
}


class Flow:
    """The answers given so far, each checked against today's offer when read."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        data = request.session.get(FLOW)
        self.data: dict = data if isinstance(data, dict) else {}
        self.topic: Topic | None = None

    def save(self, **answers) -> None:
        self.data.update(answers)
        self.request.session[FLOW] = self.data

    def forget(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)
        self.request.session[FLOW] = self.data

    def first_missing(self, upto: str) -> str | None:
        """The first step before `upto` whose answer is missing or no longer valid."""
        for step in STEPS[: STEPS.index(upto)]:
            if not getattr(self, f"_valid_{step}")():
                return step
        return None

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
        return self.start is not None

    def _valid_details(self) -> bool:
        return all(isinstance(self.data.get(key), str) for key in ("name", "phone"))

    @property
    def start(self) -> datetime | None:
        return parse_start(self.data.get("start"))

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

    @property
    def spoken(self) -> str | None:
        return consultation_language(
            language=self.data.get("language"), interpreter_language=self.interpreter_language
        )


def posted(request: HttpRequest):
    """The submitted data, even when empty, so that an empty form is checked; None on GET."""
    return request.POST if request.method == "POST" else None


def _flow_or_redirect(request: HttpRequest, step: str) -> tuple[Flow, HttpResponse | None]:
    flow = Flow(request)
    missing = flow.first_missing(step)
    if missing is not None:
        return flow, redirect(STEP_URLS[missing])
    return flow, None


def _local(moment: datetime, topic: Topic) -> datetime:
    return moment.astimezone(topic.office.zone)


def parse_start(raw: object) -> datetime | None:
    try:
        return parse_moment(raw, field="start")
    except InvalidDate:
        return None


def _slot_page(
    *,
    topic: Topic,
    mode: str,
    language: str | None,
    first_day: date | None,
    caseworker_ids: list[int] | None = None,
) -> dict:
    """A few days with free times from `first_day` on, earliest first, and where the next page starts."""
    today = timezone.now().astimezone(topic.office.zone).date()
    first = max(first_day or today, today)
    last = today + timedelta(days=topic.office.horizon_days)
    slots = free_slots(
        topic=topic,
        date_from=first,
        date_to=last,
        mode=mode,
        language=language,
        caseworker_ids=caseworker_ids,
    )
    return {**slot_days(slots), "earlier": first > today, "office_phone": topic.office.phone}


def slot_days(slots: list[Slot]) -> dict:
    """The first few days of `slots` with their times, and the day the next page starts."""
    ui_language = translation.get_language()
    days = []
    later = None
    for day, grouped in groupby(slots, key=lambda slot: slot.start.date()):
        if len(days) == DAYS_PER_PAGE:
            later = day
            break
        day_slots = list(grouped)
        times = [
            {"value": slot.start.isoformat(), "label": when(ui_language, slot.start)["time"]}
            for slot in day_slots
        ]
        days.append({"label": when(ui_language, day_slots[0].start)["long_date"], "times": times})
    return {"days": days, "later": later.isoformat() if later else None}


ANY_CASEWORKER = "alle"  # ?alle=1: the times of every caseworker, not only the client's own


def _times(request: HttpRequest, *, topic: Topic, mode: str, language: str | None, own: Caseworker | None):
    """The time step's times: the client's own caseworker's first, everybody's on `?alle=1`."""
    own_only = own is not None and request.GET.get(ANY_CASEWORKER) != "1"
    page = _slot_page(
        topic=topic,
        mode=mode,
        language=language,
        first_day=day_param(request.GET, "from", None),
        caseworker_ids=[own.pk] if own_only else None,
    )
    query = f"{ANY_CASEWORKER}=1&" if own is not None and not own_only else ""
    return {**page, "own": own, "own_only": own_only, "any_param": ANY_CASEWORKER, "query": query}


def _chosen_own(request: HttpRequest, own: Caseworker | None) -> Caseworker | None:
    """The own caseworker if the time was picked from their list (the form says so, never an id)."""
    return own if own is not None and request.POST.get("own") == "1" else None


def _known_own_caseworker(request: HttpRequest, topic: Topic) -> Caseworker | None:
    """The own caseworker of the client this session proved to be (see KNOWN_CLIENT), for this topic."""
    client_id = request.session.get(KNOWN_CLIENT)
    client = Client.objects.filter(pk=client_id).first() if isinstance(client_id, int) else None
    return own_caseworker(client=client, topic=topic) if client else None


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


def mode(request: HttpRequest) -> HttpResponse:
    flow, back = _flow_or_redirect(request, "mode")
    if back:
        return back
    form = ModeForm(posted(request), modes=flow.topic.modes, initial={"mode": flow.data.get("mode")})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["mode"] != flow.data.get("mode"):
            flow.forget("start")
        flow.save(mode=form.cleaned_data["mode"])
        return redirect("frontend:language")
    return render(request, "frontend/mode.html", {"form": form, "topic": flow.topic, "step": 2})


def language(request: HttpRequest) -> HttpResponse:
    flow, back = _flow_or_redirect(request, "language")
    if back:
        return back
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


def time_step(request: HttpRequest) -> HttpResponse:
    flow, back = _flow_or_redirect(request, "start")
    if back:
        return back
    topic = flow.topic
    own = _known_own_caseworker(request, topic)
    if request.method == "POST":
        start = parse_start(request.POST.get("start"))
        chosen = _chosen_own(request, own)
        problem = _check_time(
            topic=topic, mode=flow.data["mode"], start=start, language=flow.spoken, caseworker=chosen
        )
        if problem is None:
            flow.save(start=start.isoformat(), caseworker=chosen.pk if chosen else None)
            return redirect("frontend:details")
        messages.error(request, problem)
        return redirect("frontend:time")
    page = _times(request, topic=topic, mode=flow.data["mode"], language=flow.spoken, own=own)
    return render(
        request,
        "frontend/time.html",
        {**page, "step": 4, "action": reverse("frontend:time"), "interpreter": flow.data.get("interpreter")},
    )


def _check_time(
    *, topic: Topic, mode: str, start: datetime | None, language: str | None, caseworker: Caseworker | None
) -> str | None:
    """Why this start cannot be chosen (with `caseworker`, if given), or None if it can."""
    if start is None:
        return str(SlotNotOffered.default_message)
    check = check_start(
        topic=topic,
        mode=mode,
        start=start,
        language=language,
        caseworker_ids=[caseworker.pk] if caseworker else None,
    )
    if not check.offered:
        return str(SlotNotOffered.default_message)
    if not check.free:
        return str(SlotTaken.default_message)
    return None


def details(request: HttpRequest) -> HttpResponse:
    flow, back = _flow_or_redirect(request, "details")
    if back:
        return back
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
    local = _local(flow.start, flow.topic)
    return {
        "topic": flow.topic,
        "mode_label": Mode(flow.data["mode"]).label,
        **when(translation.get_language(), local),
    }


def _take_code_limits(request: HttpRequest) -> None:
    """A code asked for on these pages counts per address (the API's count) and per session."""
    take_for_address(request, "verification")
    take_for_session(request, "code-session")


def _send_code(request: HttpRequest, flow: Flow) -> None:
    _take_code_limits(request)
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


def code(request: HttpRequest) -> HttpResponse:
    flow, back = _flow_or_redirect(request, "code")
    if back:
        return back
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
        messages.error(request, f"{exc.message} {_fresh_times()}")
        return redirect("frontend:time")
    except VerificationFailed:
        flow.forget("verification_token", "verification_id")
        messages.error(request, _("Please confirm your mobile number again with a new code."))
        return redirect("frontend:details")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(STEP_URLS.get(_field_step(exc.field), "frontend:details"))
    request.session.pop(FLOW, None)
    request.session[DONE] = {"reference": booking.appointment.reference, "token": booking.manage_token}
    return redirect("frontend:done")


def _fresh_times() -> str:
    return _("Here are the times that are free now.")


def _field_step(field: str | None) -> str:
    return {"topic": "topic", "mode": "mode", "language": "language", "interpreter_language": "language"}.get(
        field or "", "details"
    )


def done(request: HttpRequest) -> HttpResponse:
    booked = request.session.get(DONE)
    if not isinstance(booked, dict):
        return redirect("frontend:home")
    try:
        appointment = access_booking(reference=booked.get("reference", ""), token=booked.get("token"))
    except Http404:
        return redirect("frontend:home")
    context = _booking_context(request, Managed(appointment, booked["token"]))
    return render(request, "frontend/done.html", context | {"step": 7})


@dataclass(frozen=True)
class Managed:
    """A booking the person may manage: by its private link (token) or after an SMS code (session)."""

    appointment: Appointment
    token: str | None = None

    def url(self, name: str) -> str:
        if self.token:
            return reverse(
                f"frontend:{name}", kwargs={"reference": self.appointment.reference, "token": self.token}
            )
        return reverse(f"frontend:found-{name}")


def _booking_context(request: HttpRequest, managed: Managed) -> dict:
    appointment, token = managed.appointment, managed.token
    now = timezone.now()
    booked = appointment.status == Appointment.Status.BOOKED
    return {
        "appointment": appointment,
        "mode_label": Mode(appointment.mode).label,
        "office_phone": appointment.topic.office.phone,
        "manage_path": managed.url("manage"),
        "manage_link": request.build_absolute_uri(managed.url("manage")) if token else "",
        "reschedule_url": managed.url("reschedule"),
        "cancel_url": managed.url("cancel"),
        "ics_url": f"/api/v1/bookings/{appointment.reference}/calendar.ics?token={token}" if token else "",
        "can_change": booked and appointment.start > now,
        "can_join": booked
        and appointment.mode == Mode.VIDEO
        and appointment.start - JOIN_BEFORE <= now < appointment.end,
        "join_url": reverse(
            "realtime:client-call", kwargs={"reference": appointment.reference, "token": token}
        )
        if token
        else "",
        **when(translation.get_language(), _local(appointment.start, appointment.topic)),
    }


def _by_link(reference: str, token: str) -> Managed | None:
    try:
        return Managed(access_booking(reference=reference, token=token), token)
    except Http404:
        return None


def _by_session(request: HttpRequest) -> Managed | None:
    """The booking whose phone number this session confirmed with an SMS code (see find_booking)."""
    reference = request.session.get(MANAGING)
    appointment = booking_for_phone(reference=reference) if isinstance(reference, str) else None
    return Managed(appointment) if appointment else None


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/link_invalid.html", status=404)


def manage(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    managed = _by_link(reference, token)
    return _show(request, managed) if managed else _link_invalid(request)


def found_manage(request: HttpRequest) -> HttpResponse:
    managed = _by_session(request)
    return _show(request, managed) if managed else redirect("frontend:find")


def _show(request: HttpRequest, managed: Managed) -> HttpResponse:
    request.session[KNOWN_CLIENT] = managed.appointment.client_id
    return render(request, "frontend/manage.html", _booking_context(request, managed))


def manage_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The short link in messages (/m/<token>): find the booking by its token's hash, then show it."""
    try:
        appointment = access_booking_by_token(token=token)
    except Http404:
        return _link_invalid(request)
    return redirect("frontend:manage", reference=appointment.reference, token=token)


def reschedule(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    managed = _by_link(reference, token)
    return _reschedule(request, managed) if managed else _link_invalid(request)


def found_reschedule(request: HttpRequest) -> HttpResponse:
    managed = _by_session(request)
    return _reschedule(request, managed) if managed else redirect("frontend:find")


def _reschedule(request: HttpRequest, managed: Managed) -> HttpResponse:
    appointment = managed.appointment
    here, back = managed.url("reschedule"), managed.url("manage")
    own = own_caseworker(client=appointment.client, topic=appointment.topic)
    if request.method == "POST":
        start = parse_start(request.POST.get("start"))
        chosen = _chosen_own(request, own)
        try:
            if start is None:
                raise SlotNotOffered(field="start")
            reschedule_appointment(
                appointment=appointment, start=start, manage_token=managed.token, caseworker=chosen
            )
        except (SlotTaken, SlotNotOffered) as exc:
            messages.error(request, f"{exc.message} {_fresh_times()}")
            return redirect(here)
        except NotAllowed as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, _("Done. Your appointment has a new time."))
        return redirect(back)
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= timezone.now():
        return redirect(back)
    spoken = consultation_language(
        language=appointment.language, interpreter_language=appointment.interpreter_language
    )
    page = _times(request, topic=appointment.topic, mode=appointment.mode, language=spoken, own=own)
    return render(
        request, "frontend/time.html", {**page, "action": here, "rescheduling": True, "back_url": back}
    )


def cancel(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    managed = _by_link(reference, token)
    return _cancel(request, managed) if managed else _link_invalid(request)


def found_cancel(request: HttpRequest) -> HttpResponse:
    managed = _by_session(request)
    return _cancel(request, managed) if managed else redirect("frontend:find")


def _cancel(request: HttpRequest, managed: Managed) -> HttpResponse:
    back = managed.url("manage")
    if request.method == "POST":
        try:
            cancel_appointment(appointment=managed.appointment, by=Appointment.Party.CLIENT)
        except NotAllowed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your appointment is cancelled."))
        return redirect(back)
    context = _booking_context(request, managed)
    if not context["can_change"]:
        return redirect(back)
    return render(request, "frontend/cancel.html", context)


def find_booking(request: HttpRequest) -> HttpResponse:
    """Without the link: booking code and mobile number; an SMS code goes out only if both match.

    The next page, the limits and the time taken are the same either way (services.finding),
    so the form tells nobody whether a booking exists.
    """
    form = FindBookingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        try:
            _take_code_limits(request)
            verification_id = start_finding(
                reference=reference, phone=form.cleaned_data["phone"], language=translation.get_language()
            )
        except ApplicationError as exc:
            form.add_error("phone", exc.message)
            return render(request, "frontend/find.html", {"form": form})
        previous = request.session.get(FINDING)
        if verification_id is None and isinstance(previous, dict) and previous.get("reference") == reference:
            verification_id = previous.get(
                "verification_id"
            )  # asked again too soon: the code sent stays good
        request.session[FINDING] = {"reference": reference, "verification_id": verification_id}
        return redirect("frontend:find-code")
    return render(request, "frontend/find.html", {"form": form})


def find_code(request: HttpRequest) -> HttpResponse:
    found = request.session.get(FINDING)
    if not isinstance(found, dict):
        return redirect("frontend:find")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            confirm_finding(
                reference=found.get("reference", ""),
                verification_id=found.get("verification_id"),
                code=form.cleaned_data["code"],
            )
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(FINDING)
            request.session[MANAGING] = found["reference"]
            return redirect("frontend:found-manage")
    return render(request, "frontend/find_code.html", {"form": form})


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (BITV 2.0) with an e-mail link to report a barrier."""
    feedback_email = getattr(settings, "ACCESSIBILITY_FEEDBACK_EMAIL", settings.DEFAULT_FROM_EMAIL)
    return render(
        request,
        "frontend/accessibility.html",
        {"feedback_email": feedback_email, "feedback_subject": _("A barrier on the booking pages")},
    )
