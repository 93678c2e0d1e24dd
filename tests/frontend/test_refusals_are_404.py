"""Every refusal is a 404, decided in services/permissions.py: pages and API that said 403 now agree.

A missing login is not a refusal: pages send to the login page, the API says 403 "log in".
"""

from datetime import UTC, datetime

import pytest
from django.http import Http404
from django.test import Client as HttpClient
from django.urls import reverse

from appointments.events import caseworker_group, office_group
from appointments.exceptions import NotFound
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.calls import CallRefused, client_seat
from appointments.services.interpreter_offers import accept_interpreter_request
from appointments.services.permissions import (
    access_booking,
    access_booking_by_token,
    access_coordinator,
    access_interpreter,
    access_own_caseworker,
    access_staff,
    can_call,
    interprets,
)
from realtime.groups import staff_feed_groups
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


@pytest.fixture
def booking(topic, caseworker):
    return book_appointment(
        topic=topic,
        mode="video",
        start=START,
        client=ClientDetails(name="Aylin Demir", phone="0151 23450001"),
        interpreter_language="ar",
        caseworker=caseworker,
        booked_by=caseworker.user,
    )


def _as(user) -> HttpClient:
    browser = HttpClient()
    if user is not None:
        browser.force_login(user)
    return browser


def test_the_interpreter_pages_refuse_staff_with_404(caseworker, booking):
    request_id = booking.appointment.interpreter_request.pk
    staff = _as(caseworker.user)
    assert staff.get(reverse("interpreter:overview")).status_code == 404
    assert staff.get(reverse("interpreter:figures")).status_code == 404  # not a coordinator
    # refused before the service runs: no message that the request exists, and no redirect
    assert staff.post(reverse("interpreter:accept", args=[request_id])).status_code == 404
    assert staff.post(reverse("interpreter:feed-reset")).status_code == 404


def test_the_staff_pages_refuse_interpreters_and_a_superuser_without_a_profile_with_404(caseworker):
    interpreter = _as(InterpreterFactory(user=UserFactory()).user)
    for name in ("staff:day", "staff:week", "staff:book", "staff:invitations"):
        assert interpreter.get(reverse(name)).status_code == 404, name
    superuser = _as(UserFactory(is_superuser=True))
    assert superuser.get(reverse("staff:day")).status_code == 404  # must name whose day
    assert superuser.get(f"{reverse('staff:day')}?fachkraft={caseworker.pk}").status_code == 200


def test_the_api_refuses_the_logged_in_with_a_json_404_and_asks_the_anonymous_to_log_in(caseworker, booking):
    request_id = booking.appointment.interpreter_request.pk
    staff = _as(caseworker.user)
    for response in (
        staff.get(reverse("api-interpreter-offers")),
        staff.get(reverse("api-interpreter-assignments")),
        staff.post(reverse("api-interpreter-accept", args=[request_id]), {}, content_type="application/json"),
        staff.get(reverse("api-interpreter-figures")),
        _as(InterpreterFactory(user=UserFactory()).user).get(reverse("api-invitations")),
    ):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"detail"}
    assert _as(None).get(reverse("api-interpreter-offers")).status_code == 403
    assert _as(None).get(reverse("api-invitations")).status_code == 403


def test_services_refuse_with_the_domain_s_not_found_never_django_s_http404(caseworker, booking):
    appointment = booking.appointment
    outsider = UserFactory()
    for refuse in (
        lambda: access_booking(reference=appointment.reference, token="wrong"),
        lambda: access_booking(reference="ACDEFHJK", token=booking.manage_token),
        lambda: access_booking_by_token(token="wrong"),
        lambda: access_coordinator(caseworker.user),
        lambda: access_interpreter(caseworker.user),
        lambda: access_own_caseworker(outsider),
        lambda: access_staff(outsider),
    ):
        with pytest.raises(NotFound) as refused:
            refuse()
        assert not isinstance(refused.value, Http404)
    assert access_booking(reference=appointment.reference.lower(), token=booking.manage_token) == appointment


def test_a_wrong_client_link_is_a_refused_call_not_an_error(booking):
    with pytest.raises(CallRefused):
        client_seat(room=booking.appointment.call_room, reference=booking.appointment.reference, token="x")


def test_calls_are_for_the_people_in_them(topic, caseworker, booking):
    appointment = booking.appointment
    coordinator = CaseworkerFactory(office=topic.office, topics=[topic], is_coordinator=True)
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    interpreter = InterpreterFactory(user=UserFactory(), languages=["ar"])
    assert can_call(caseworker.user, appointment)
    assert can_call(coordinator.user, appointment)
    assert not can_call(colleague.user, appointment)
    assert not can_call(UserFactory(is_superuser=True), appointment)
    assert not interprets(interpreter.user, appointment)
    accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=interpreter)
    assert interprets(interpreter.user, appointment)
    assert not can_call(interpreter.user, appointment)


def test_who_sees_the_team_page_gets_its_live_updates(topic):
    """The two copies disagreed: the feed asked `is_coordinator`, the team page `coordinator_for`, which
    also counts a superuser with a caseworker profile. The permission module's rule now decides both."""
    superuser = UserFactory(is_superuser=True)
    profile = CaseworkerFactory(user=superuser, office=topic.office, topics=[topic])
    plain = CaseworkerFactory(office=topic.office, topics=[topic])
    assert _as(superuser).get(reverse("staff:team")).status_code == 200
    assert staff_feed_groups(superuser) == [caseworker_group(profile.pk), office_group(topic.office_id)]
    assert staff_feed_groups(plain.user) == [caseworker_group(plain.pk)]
