"""Authorisation sweep: every URL of the project is listed with who may use it, and tried by all others.

Two offices, each with a caseworker, a colleague, a coordinator, an interpreter and a client
with a booking. Each person of office B (and anonymous visitors) tries every URL aimed at
office A's objects; they get 404 (never 403 with detail) or, where a login is missing, the
login page. The owner's request is the positive control: the same URL works for them.
A URL added to the project without an entry here fails `test_every_url_is_listed`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from appointments.models import GroupSession, Invitation, Language, OfficeClosure
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.calendar import feed_token
from appointments.services.calls import ensure_call_room
from appointments.services.group_session_interpreters import assign_group_interpreter
from appointments.services.group_sessions import schedule_group_session
from appointments.services.interpreter_offers import accept_interpreter_request
from appointments.services.invitations import invite_client
from tests.factories import (
    AbsenceFactory,
    AvailabilityRuleFactory,
    CaseworkerFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)
from tests.scenario import MONDAY_9

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@dataclass
class Office:
    caseworker: object
    colleague: object
    coordinator: object
    interpreter: object
    appointment: object
    token: str
    request_id: int


def _office(n: int) -> Office:
    topic = TopicFactory(office=OfficeFactory())
    people = [
        CaseworkerFactory(
            office=topic.office, topics=[topic], languages=["de"], is_coordinator=role == "coord"
        )
        for role in ("own", "colleague", "coord")
    ]
    for person in people:
        week_of_hours(person)
    interpreter = InterpreterFactory(user=UserFactory(), languages=["ar"])
    booking = book_appointment(
        topic=topic,
        mode="video",
        start=MONDAY_9,
        client=ClientDetails(name=f"Kundin {n}", phone=f"0151 2345000{n}"),
        interpreter_language="ar",
        caseworker=people[0],
        booked_by=people[0].user,
    )
    request = booking.appointment.interpreter_request
    accept_interpreter_request(request_id=request.pk, interpreter=interpreter)
    return Office(*people, interpreter, booking.appointment, booking.manage_token, request.pk)


@pytest.fixture
def offices():
    return _office(1), _office(2)


# What each URL needs, by name. Kinds:
#   open        anyone, nothing private behind it
#   login       the login and password pages
#   session     a client's pages that work from what the session holds (booking steps, found booking)
#   client      a booking's own link: reference + manage token
#   invitation  an invitation's own link: its token
#   staff       a staff page without an object: caseworkers, coordinators, superusers
#   staff_obj   a staff page about one appointment or one caseworker's hours
#   staff_draft a booking for a client in progress, kept in the member of staff's session
#   office_obj  a coordinator's page about one object of the office (a client, a closure day)
#   room        a call room of an appointment (staff side)
#   client_room the client's side of a call: reference + token
#   coordinator a coordinator's page
#   interpreter an interpreter's page without an object
#   interp_obj  an interpreter's action on one request
#   feed        a calendar feed: signed token
#   own_feed    a new address for the viewer's own calendar feed (POST), nobody else's
#   webhook     Twilio's callbacks: signature
#   dev         only with DEBUG on
URLS = {
    "api-topics": ("open", {}),
    "api-slots": ("open", {}),
    "api-phone-verifications": ("open", {}),
    "api-phone-verification-confirm": ("open", {"verification_id": "00000000-0000-0000-0000-000000000000"}),
    "api-bookings": ("open", {}),
    "api-booking": ("client", {}),
    "api-booking-reschedule": ("client", {}),
    "api-booking-cancel": ("client", {}),
    "api-booking-calendar": ("client", {}),
    "api-interpreter-offers": ("interpreter", {}),
    "api-interpreter-assignments": ("interpreter", {}),
    "api-interpreter-accept": ("interp_obj", {}),
    "api-interpreter-decline": ("interp_obj", {}),
    "api-interpreter-withdraw": ("interp_obj", {}),
    "api-interpreter-figures": ("coordinator", {}),
    "api-invitations": ("staff", {}),
    "schema": ("open", {}),
    "swagger-ui": ("open", {}),
    "set_language": ("open", {}),
    "login": ("login", {}),
    "login-code": ("login", {}),
    "sso-start": ("login", {}),
    "sso-callback": ("login", {}),
    "logout": ("login", {}),
    "otp-setup": ("login", {}),
    "otp-remove": ("login", {}),
    "password_change": ("login", {}),
    "password_change_done": ("login", {}),
    "interpreter:overview": ("interpreter", {}),
    "interpreter:figures": ("coordinator", {}),
    "interpreter:accept": ("interp_obj", {}),
    "interpreter:decline": ("interp_obj", {}),
    "interpreter:withdraw": ("interp_obj", {}),
    "interpreter:feed-reset": ("own_feed", {}),
    "staff:day": ("staff", {}),
    "staff:week": ("staff", {}),
    "staff:team": ("coordinator", {}),
    "staff:feed-reset": ("own_feed", {}),
    "staff:own-calendar": ("staff", {}),
    "staff:own-calendar-read": ("staff", {}),
    "staff:own-calendar-remove": ("staff", {}),
    "staff:outcome": ("staff_obj", {}),
    "staff:appointment": ("staff_obj", {}),
    "staff:appointment-contact": ("staff_obj", {}),
    "staff:appointment-reschedule": ("staff_obj", {}),
    "staff:appointment-cancel": ("staff_obj", {}),
    "staff:appointment-interpreter": ("staff_obj", {}),
    "staff:appointment-interpreter-cancel": ("staff_obj", {}),
    "staff:book": ("staff", {}),
    "staff:book-request": ("staff_draft", {}),
    "staff:book-time": ("staff_draft", {}),
    "staff:book-confirm": ("staff_draft", {}),
    "staff:book-done": ("staff_draft", {}),
    "staff:availability": ("staff", {}),
    "staff:availability-remove": ("staff_obj", {"kind": "wochenzeiten"}),
    "staff:closures": ("coordinator", {}),
    "staff:closure-remove": ("office_obj", {}),
    "staff:absence-reassign": ("office_obj", {}),
    "staff:figures": ("coordinator", {}),
    "staff:figures-csv": ("coordinator", {}),
    "staff:privacy": ("coordinator", {}),
    "staff:privacy-client": ("office_obj", {}),
    "staff:privacy-export": ("office_obj", {}),
    "staff:privacy-erase": ("office_obj", {}),
    "staff:audit": ("coordinator", {}),
    "staff:invite": ("staff", {}),
    "staff:invitations": ("staff", {}),
    "staff:invitation-import": ("coordinator", {}),
    "staff:invitation-letters": ("coordinator", {}),
    "staff:invitation-revoke": ("staff_obj", {}),
    "staff:invitation-reprint": ("staff_obj", {}),
    "staff:group-sessions": ("staff", {}),
    "staff:group-session": ("staff_obj", {}),
    "staff:group-session-cancel": ("staff_obj", {}),
    "staff:group-session-interpreter": ("staff_obj", {}),
    "staff:group-session-interpreter-remove": ("staff_obj", {}),
    "twilio-sms-status": ("webhook", {}),
    "twilio-sms-inbound": ("webhook", {}),
    "twilio-voice-twiml": ("webhook", {"room": "room", "role": "client"}),
    "twilio-voice-status": ("webhook", {"room": "room", "role": "client"}),
    "calendar-feed": ("feed", {}),
    "dev-outbox": ("dev", {}),
    "dev-outbox-invite": ("dev", {"name": "x"}),
    "realtime:staff-call": ("room", {}),
    "realtime:phone-call": ("room", {}),
    "realtime:remove": ("group_room", {}),
    "realtime:mute": ("group_room", {}),
    "realtime:client-call": ("client_room", {}),
    "frontend:home": ("open", {}),
    "frontend:mode": ("session", {}),
    "frontend:language": ("session", {}),
    "frontend:time": ("session", {}),
    "frontend:details": ("session", {}),
    "frontend:code": ("session", {}),
    "frontend:done": ("session", {}),
    "frontend:manage": ("client", {}),
    "frontend:reschedule": ("client", {}),
    "frontend:cancel": ("client", {}),
    "frontend:find": ("open", {}),
    "frontend:find-code": ("session", {}),
    "frontend:found-manage": ("session", {}),
    "frontend:found-reschedule": ("session", {}),
    "frontend:found-cancel": ("session", {}),
    "frontend:manage-short": ("open", {"token": "x"}),
    "frontend:accessibility": ("open", {}),
    "frontend:imprint": ("open", {}),
    "frontend:privacy": ("open", {}),
    "frontend:invitation-code": ("open", {}),
    "frontend:invitation-short": ("invitation", {}),
    "frontend:invitation": ("invitation", {}),
    "frontend:invitation-time": ("invitation", {}),
    "frontend:invitation-decline": ("invitation", {}),
}
# Object parameters each kind fills in from office A.
OBJECT_KWARGS = {
    "client": lambda a: {"reference": a.appointment.reference, "token": a.token},
    "client_room": lambda a: {"reference": a.appointment.reference, "token": a.token},
    "staff_obj": lambda a: {"appointment_id": a.appointment.pk},
    "staff_draft": lambda a: {"draft": "00000000-0000-0000-0000-000000000000"},
    "room": lambda a: {"room": ensure_call_room(a.appointment)},
    "interp_obj": lambda a: {"request_id": a.request_id},
    "feed": lambda a: {"token": feed_token(a.caseworker)},
}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_listed():
    assert set(_names(get_resolver().url_patterns)) - set(URLS) == set()


# Objects of office A that some URLs name instead of the appointment.
NAMED_OBJECTS = {
    "staff:availability-remove": lambda a: {
        "pk": AvailabilityRuleFactory(
            caseworker=a.caseworker, weekday=6, start_time=time(8), end_time=time(9)
        ).pk
    },
    "staff:closure-remove": lambda a: {
        "pk": OfficeClosure.objects.create(office=a.appointment.topic.office, date=date(2026, 12, 31)).pk
    },
    "staff:absence-reassign": lambda a: {
        "pk": AbsenceFactory(caseworker=a.caseworker, start=MONDAY_9, end=MONDAY_9 + timedelta(hours=1)).pk
    },
    "staff:privacy-client": lambda a: {"client_id": a.appointment.client_id},
    "staff:privacy-export": lambda a: {"client_id": a.appointment.client_id},
    "staff:privacy-erase": lambda a: {"client_id": a.appointment.client_id},
    "staff:invitation-revoke": lambda a: {"invitation_id": _invitation(a)},
    "staff:invitation-reprint": lambda a: {"invitation_id": _invitation(a)},
    "staff:group-session": lambda a: {"session_id": _group_session(a)},
    "staff:group-session-cancel": lambda a: {"session_id": _group_session(a)},
    "staff:group-session-interpreter": lambda a: {"session_id": _group_session(a)},
    "staff:group-session-interpreter-remove": lambda a: {"session_id": _group_session(a)},
}


def _group_session(a: Office) -> int:
    """A new group session of office A, hosted by its caseworker (each call its own)."""
    topic = TopicFactory(office=a.caseworker.office, group=True, modes=["in_person"])
    start = datetime(2026, 12, 20 + GroupSession.objects.count(), 9, 0, tzinfo=UTC)
    return schedule_group_session(topic=topic, start=start, hosts=[a.caseworker], capacity=2).pk


def _invitation(a: Office) -> int:
    """A new open invitation by office A's caseworker (each call its own: a withdrawal closes one)."""
    now = timezone.now()
    number = Invitation.objects.count()
    return invite_client(
        caseworker=a.caseworker,
        topic=a.appointment.topic,
        client=ClientDetails(name="Eingeladene", phone=f"0151 2345100{number}", sms_consent=True),
        modes=["telephone"],
        window=(now, now + timedelta(days=7)),
        deadline=now + timedelta(days=2),
        channels=["sms"],
        invited_by=a.caseworker.user,
    ).invitation.pk


def _url(name, kind, a: Office, **override) -> str:
    objects = NAMED_OBJECTS[name](a) if name in NAMED_OBJECTS else OBJECT_KWARGS.get(kind, lambda _a: {})(a)
    kwargs = {**URLS[name][1], **objects, **override}
    if name.startswith("api-booking") and name != "api-bookings":
        token = kwargs.pop("token")
        return reverse(name, kwargs=kwargs) + f"?token={token}"
    return reverse(name, kwargs=kwargs)


def _as(user) -> HttpClient:
    browser = HttpClient()
    if user is not None:
        browser.force_login(user)
    return browser


def _try(browser: HttpClient, url: str, method: str):
    return browser.post(url) if method == "post" else browser.get(url)


POSTED = (
    "accept",
    "decline",
    "withdraw",
    "cancel",
    "reschedule",
    "outcome",
    "contact",
    "interpreter",
    "remove",
)


def _method(name: str) -> str:
    posted = name.endswith(POSTED) or name in {
        "realtime:phone-call",
        "staff:privacy-export",
        "staff:privacy-erase",
        "staff:invitation-revoke",
        "staff:invitation-reprint",
        "staff:absence-reassign",
        "staff:invitation-letters",
        "staff:own-calendar-read",
        "staff:own-calendar-remove",
    }
    return "post" if posted else "get"


def _by_kind(*kinds):
    return [name for name, (kind, _kwargs) in URLS.items() if kind in kinds]


@pytest.mark.parametrize("name", _by_kind("staff_obj", "room"))
def test_staff_objects_are_found_only_by_their_caseworker_and_coordinator(offices, name):
    a, b = offices
    kind = URLS[name][0]
    url, method = _url(name, kind, a), _method(name)
    # The appointment's own interpreter joins its video room, but places no calls and records nothing.
    interpreter_inside = name == "realtime:staff-call"
    outsiders = (a.colleague, b.caseworker, b.coordinator, b.interpreter)
    for outsider in outsiders if interpreter_inside else (*outsiders, a.interpreter):
        assert _try(_as(outsider.user), url, method).status_code == 404, outsider
    anonymous = _try(_as(None), url, method)
    assert anonymous.status_code in (302, 404)
    if anonymous.status_code == 302:
        assert anonymous.url.startswith(reverse("login"))
    insiders = [a.caseworker.user, a.coordinator.user]
    if (
        kind == "staff_obj"
    ):  # a superuser sees and acts on every appointment; calls are for the people in them
        insiders.append(UserFactory(is_superuser=True, is_staff=True))
    for insider in insiders:
        fresh = _url(name, kind, a)  # the first insider may have removed the object
        assert _try(_as(insider), fresh, method).status_code != 404, insider


@pytest.mark.parametrize("name", _by_kind("group_room"))
def test_a_group_call_s_controls_are_for_its_hosts_and_coordinator(offices, settings, name):
    settings.VIDEO_BACKEND = "janus"
    a, b = offices
    session = GroupSession.objects.get(pk=_group_session(a))
    GroupSession.objects.filter(pk=session.pk).update(mode="video")
    url = reverse(name, args=[session.call_room])
    for outsider in (a.colleague, a.interpreter, b.caseworker, b.coordinator, b.interpreter):
        assert _try(_as(outsider.user), url, "post").status_code == 404, outsider
    assert _try(_as(None), url, "post").url.startswith(reverse("login"))
    for insider in (a.caseworker.user, a.coordinator.user):
        # In, but naming nobody in the call (the room is not open yet): refused as a bad request.
        assert _try(_as(insider), url, "post").status_code == 400, insider


def test_a_group_session_s_room_seats_its_interpreter_and_no_other(offices, settings):
    """The interpreter assigned to a video session enters its room, but not the hosts' controls."""
    settings.VIDEO_BACKEND = "janus"
    a, b = offices
    session = GroupSession.objects.get(pk=_group_session(a))
    GroupSession.objects.filter(pk=session.pk).update(mode="video")
    session.languages.add("ar")
    a.interpreter.modes = ["video"]
    a.interpreter.save()
    room = reverse("realtime:staff-call", args=[session.call_room])
    for outsider in (a.interpreter, b.interpreter, a.colleague, b.coordinator):
        assert _as(outsider.user).get(room).status_code == 404, outsider
    assign_group_interpreter(
        session=session, language=Language.objects.get(code="ar"), interpreter=a.interpreter
    )
    assert _as(a.interpreter.user).get(room).status_code == 200
    assert _as(b.interpreter.user).get(room).status_code == 404
    for control in ("realtime:remove", "realtime:mute"):
        url = reverse(control, args=[session.call_room])
        assert _try(_as(a.interpreter.user), url, "post").status_code == 404


@pytest.mark.parametrize("name", _by_kind("office_obj"))
def test_office_objects_are_found_only_by_the_office_s_coordinator(offices, name):
    a, b = offices
    url, method = _url(name, "office_obj", a), _method(name)
    for outsider in (a.caseworker, a.colleague, a.interpreter, b.coordinator, b.interpreter):
        assert _try(_as(outsider.user), url, method).status_code == 404, outsider
    assert _try(_as(None), url, method).url.startswith(reverse("login"))
    assert _try(_as(a.coordinator.user), url, "get").status_code in (200, 405)


@pytest.mark.parametrize("name", _by_kind("staff_draft"))
def test_a_booking_in_progress_is_found_only_in_its_own_session(offices, name):
    a, b = offices
    url = _url(name, "staff_draft", a)
    assert _as(None).get(url).url.startswith(reverse("login"))
    for someone in (a.interpreter, a.caseworker, b.coordinator):
        response = _as(someone.user).get(url)
        assert response.status_code in (302, 404), someone
        if response.status_code == 302:
            assert response.url == reverse("staff:book")


@pytest.mark.parametrize("name", _by_kind("staff", "coordinator"))
def test_staff_pages_need_a_member_of_staff(offices, name):
    a, b = offices
    url, method = _url(name, URLS[name][0], a), _method(name)
    served = 200 if method == "get" else 302  # a form sent empty goes back to its page
    anonymous = _try(_as(None), url, method)
    assert anonymous.status_code in (302, 401, 403, 404)
    if method == "post":
        assert anonymous.url.startswith(reverse("login"))
    for outsider in (a.interpreter, b.interpreter):
        assert _try(_as(outsider.user), url, method).status_code == 404
    if URLS[name][0] == "coordinator":
        assert _try(_as(a.colleague.user), url, method).status_code == 404
        assert _try(_as(a.coordinator.user), url, method).status_code == served
    else:
        assert _try(_as(a.caseworker.user), url, method).status_code == served


@pytest.mark.parametrize("name", _by_kind("interp_obj"))
def test_interpreter_requests_are_found_only_by_their_interpreter(offices, name):
    """Interpreters of the language may learn it was taken (409, by design); nobody else learns of it."""
    a, _b = offices
    url = _url(name, "interp_obj", a)
    other_language = InterpreterFactory(user=UserFactory(), languages=["tr"])
    for outsider in (other_language, a.caseworker, a.coordinator):
        response = _as(outsider.user).post(url, {}, content_type="application/json")
        assert response.status_code == 404, outsider
    assert _as(None).post(url, {}, content_type="application/json").status_code in (302, 401, 403, 404)


@pytest.mark.parametrize("name", _by_kind("interpreter"))
def test_interpreter_pages_need_an_interpreter(offices, name):
    a, _b = offices
    url = _url(name, "interpreter", a)
    assert _as(None).get(url).status_code in (302, 401, 403)
    assert _as(a.caseworker.user).get(url).status_code == 404
    assert _as(a.interpreter.user).get(url).status_code == 200


@pytest.mark.parametrize("name", _by_kind("client", "client_room"))
def test_a_booking_link_needs_its_own_token(offices, name):
    a, b = offices
    kind = URLS[name][0]
    method = "get" if name in ("api-booking", "api-booking-calendar") else _method(name)
    for url in (
        _url(name, kind, a, token=b.token),  # another client's token
        _url(name, kind, a, reference=b.appointment.reference),  # a real reference with a foreign token
        _url(name, kind, a, reference="ACDEFHJK"),  # a guessed reference
    ):
        assert _try(_as(None), url, method).status_code == 404, url
    assert _as(None).get(_url(name, kind, a)).status_code in (200, 405)


@pytest.mark.parametrize("name", _by_kind("own_feed"))
def test_a_feed_reset_changes_only_the_viewer_s_own_feed(offices, name):
    a, b = offices
    url = _url(name, "own_feed", a)
    owner = a.caseworker if name.startswith("staff:") else a.interpreter
    outsider = a.interpreter if name.startswith("staff:") else a.caseworker
    everyone = [a.caseworker, a.coordinator, a.interpreter, b.caseworker, b.interpreter]
    before = {person: feed_token(person) for person in everyone}

    assert _as(None).post(url).url.startswith(reverse("login"))
    assert _as(owner.user).get(url).status_code == 405
    assert _as(outsider.user).post(url).status_code == 404
    assert _as(owner.user).post(url).status_code == 302

    for person in everyone:
        person.refresh_from_db()
    assert [person for person in everyone if feed_token(person) != before[person]] == [owner]


def test_a_calendar_feed_needs_its_signed_token(offices):
    a, _b = offices
    good = _url("calendar-feed", "feed", a)
    assert _as(None).get(good).status_code == 200
    assert _as(None).get(good.replace(".ics", "x.ics")).status_code == 404


@pytest.mark.parametrize("name", _by_kind("webhook"))
def test_webhooks_need_twilio_s_signature(offices, name):
    a, _b = offices
    assert _as(None).post(_url(name, "webhook", a), {"From": "+4915123450001"}).status_code == 403


@pytest.mark.parametrize("name", _by_kind("dev"))
def test_the_dev_outbox_is_gone_without_debug(offices, settings, name):
    settings.DEBUG = False
    a, _b = offices
    assert _as(a.coordinator.user).get(_url(name, "dev", a)).status_code == 404


@pytest.mark.parametrize("name", _by_kind("session"))
def test_client_session_pages_show_nothing_without_a_session(offices, name):
    a, _b = offices
    response = _as(None).get(_url(name, "session", a))
    assert response.status_code in (200, 302)
    assert a.appointment.reference not in response.text
    assert "Kundin" not in response.text


@pytest.mark.parametrize("name", _by_kind("invitation"))
def test_an_invitation_link_needs_its_own_token(offices, name):
    a, b = offices
    issued = invite_client(
        caseworker=a.caseworker,
        topic=a.appointment.topic,
        client=a.appointment.client,
        modes=["video"],
        window=(datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 2, 8, tzinfo=UTC)),
        deadline=datetime(2026, 11, 30, 18, tzinfo=UTC),
        channels=["letter"],
        invited_by=a.caseworker.user,
    )
    for token in ("x", issued.token[:-1], "brief"):
        response = _as(b.coordinator.user).get(reverse(name, kwargs={"token": token}))
        assert response.status_code == 404
        assert a.caseworker.display_name not in response.text
    assert _as(None).get(reverse(name, kwargs={"token": issued.token})).status_code == 200
