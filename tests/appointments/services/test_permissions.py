"""Who may see and act on which appointment: each role against own, a colleague's and another office's."""

import pytest
from django.contrib.auth.models import AnonymousUser

from appointments.exceptions import NotFound
from appointments.services.permissions import (
    access_caseworker,
    access_staff_appointment,
    can_act_on_appointment,
    can_view_appointment,
    can_view_caseworker,
    caseworker_for,
)
from tests.factories import (
    CaseworkerFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)
from tests.scenario import MONDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def _worker(topic, **fields):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], **fields)
    week_of_hours(worker)
    return worker


@pytest.fixture
def world(topic, caseworker):
    """The viewer's office with the viewer (`caseworker`) and a colleague, and a second office."""
    colleague = _worker(topic)
    other_topic = TopicFactory(office=OfficeFactory())
    stranger = _worker(other_topic)
    return {
        "viewer": caseworker,
        "own": book(
            topic, MONDAY_9, caseworker=caseworker, phone="0151 23450001", sms_consent=False, by_staff=True
        ).appointment,
        "colleague": book(
            topic, MONDAY_9, caseworker=colleague, phone="0151 23450002", sms_consent=False, by_staff=True
        ).appointment,
        "other_office": book(
            other_topic,
            MONDAY_9,
            caseworker=stranger,
            phone="0151 23450003",
            sms_consent=False,
            by_staff=True,
        ).appointment,
        "colleague_worker": colleague,
        "stranger_worker": stranger,
    }


def _user_in_role(role, viewer):
    if role == "caseworker":
        return viewer.user
    if role == "coordinator":
        viewer.is_coordinator = True
        viewer.save(update_fields=["is_coordinator"])
        return viewer.user
    if role == "superuser":
        viewer.user.is_superuser = True
        viewer.user.save(update_fields=["is_superuser"])
        return viewer.user
    if role == "inactive_caseworker":
        viewer.active = False
        viewer.save(update_fields=["active"])
        return viewer.user
    if role == "interpreter":
        return InterpreterFactory(user=UserFactory()).user
    if role == "plain_user":
        return UserFactory()
    return AnonymousUser()


MATRIX = {
    # role: (own, colleague's, other office's)
    "caseworker": (True, False, False),
    "coordinator": (True, True, False),
    "superuser": (True, True, True),
    "inactive_caseworker": (False, False, False),
    "interpreter": (False, False, False),
    "plain_user": (False, False, False),
    "anonymous": (False, False, False),
}


@pytest.mark.parametrize(("role", "expected"), MATRIX.items())
def test_view_and_act_matrix(world, role, expected):
    user = _user_in_role(role, world["viewer"])
    seen = tuple(can_view_appointment(user, world[which]) for which in ("own", "colleague", "other_office"))
    acted = tuple(
        can_act_on_appointment(user, world[which]) for which in ("own", "colleague", "other_office")
    )
    assert seen == expected
    assert acted == expected


@pytest.mark.parametrize(("role", "expected"), MATRIX.items())
def test_whose_day_matrix(world, role, expected):
    user = _user_in_role(role, world["viewer"])
    workers = (world["viewer"], world["colleague_worker"], world["stranger_worker"])
    assert tuple(can_view_caseworker(user, worker) for worker in workers) == expected


@pytest.mark.parametrize(("role", "expected"), MATRIX.items())
def test_access_functions_answer_404_when_not_allowed(world, role, expected):
    user = _user_in_role(role, world["viewer"])
    for which, allowed in zip(("own", "colleague", "other_office"), expected, strict=True):
        appointment = world[which]
        if allowed:
            assert access_staff_appointment(user, appointment.pk) == appointment
            assert access_caseworker(user, appointment.caseworker_id) == appointment.caseworker
        else:
            with pytest.raises(NotFound):
                access_staff_appointment(user, appointment.pk)
            with pytest.raises(NotFound):
                access_caseworker(user, appointment.caseworker_id)


def test_unknown_ids_are_404(world):
    with pytest.raises(NotFound):
        access_staff_appointment(world["viewer"].user, 999_999)
    with pytest.raises(NotFound):
        access_caseworker(world["viewer"].user, 999_999)


def test_caseworker_for(caseworker):
    assert caseworker_for(caseworker.user) == caseworker
    assert caseworker_for(AnonymousUser()) is None
    assert caseworker_for(UserFactory()) is None
    assert caseworker_for(InterpreterFactory(user=UserFactory()).user) is None
    caseworker.active = False
    caseworker.save(update_fields=["active"])
    assert caseworker_for(caseworker.user) is None
