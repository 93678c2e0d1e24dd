"""Each kind of message is declared once: its texts are in every language, and every text is some kind's."""

import pytest

from appointments.models import Notification
from appointments.outbox_kinds import KINDS, Due, announcing, caused_by, text_keys
from appointments.services.texts import SHARED_TEXTS, _catalogue, available_languages
from tests.appointments.services.test_texts import flatten as keys

LANGUAGES = available_languages()


def test_every_kind_of_the_model_is_declared_once():
    assert set(KINDS) == set(Notification.Kind.values)
    assert all(KINDS[kind].kind == kind for kind in KINDS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_declared_text_is_in_every_language(kind, language):
    missing = sorted(key for key in text_keys(KINDS[kind]) if key not in keys(_catalogue(language)))
    assert missing == [], f"{language}.toml lacks {missing} of {kind}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_belongs_to_a_declared_kind_or_is_shared(language):
    declared = set().union(*(text_keys(kind) for kind in KINDS.values()))
    orphans = sorted(
        key
        for key in keys(_catalogue(language))
        if key not in declared and key.split(".")[0] not in SHARED_TEXTS
    )
    assert orphans == [], f"{language}.toml has texts no kind declares: {orphans}"


def test_each_route_has_the_texts_its_writer_asks_for():
    for declared in KINDS.values():
        for route in declared.routes:
            assert route.audience in Notification.Audience.values
            assert route.channel in Notification.Channel.values
            if route.texts and route.channel == Notification.Channel.EMAIL:
                for role in route.texts:
                    subject = "subject" if role == "body" else f"{role}_subject"
                    assert role.endswith("subject") or subject in route.texts, (declared.kind, role)


def test_each_appointment_change_is_announced_by_one_kind_and_its_reminders_follow():
    assert [announcing(event).kind for event in ("booked", "rescheduled", "cancelled")] == [
        Notification.Kind.CONFIRMATION,
        Notification.Kind.RESCHEDULED,
        Notification.Kind.CANCELLED,
    ]
    assert [k.kind for k in caused_by("booked") if k.due is Due.BEFORE_START] == [Notification.Kind.REMINDER]
    assert [k.kind for k in caused_by("cancelled") if k.due is Due.BEFORE_START] == []


def test_a_kind_that_falls_back_to_email_has_a_clients_email():
    for declared in KINDS.values():
        if declared.email_fallback:
            assert declared.route(Notification.Audience.CLIENT, Notification.Channel.EMAIL), declared.kind
        if declared.withdraws:
            assert declared.calendar, declared.kind
