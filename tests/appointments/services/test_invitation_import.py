"""A coordinator's list of invitations: every row checked as a single invitation would be, all or nothing."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from appointments.models import AuditEntry, Client, Invitation, Notification
from appointments.services.invitation_import import ImportRefused, import_invitations, window_bounds
from tests.factories import CaseworkerFactory, ClientFactory, TopicFactory, week_of_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

HEADER = "customer number;mobile;language;caseworker;topic;window;name\n"


@pytest.fixture
def office_people(db):
    topic = TopicFactory(slug="arbeit", name="Arbeitsvermittlung")
    worker = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Frau Yılmaz")
    week_of_hours(worker)
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    return topic, worker, coordinator


def run(data: str, coordinator, *, dry_run=False, channels=("letter",)):
    return import_invitations(
        data=data.encode(),
        office=coordinator.office,
        channels=list(channels),
        modes=["telephone", "video"],
        invited_by=coordinator.user,
        dry_run=dry_run,
    )


def test_good_rows_invite_known_and_new_clients(office_people):
    *_, coordinator = office_people
    known = ClientFactory(phone="+4915112340001", customer_number="123D000001", name="Ali Kaya")
    data = HEADER + (
        "123D000001;0151 12340001;tr;Frau Yılmaz;arbeit;10;\n"
        "123D000002;0151 12340002;ar;frau yılmaz;Arbeitsvermittlung;2026-12-02/2026-12-11;Nour Haddad\n"
    )

    result = run(data, coordinator)

    assert result.refused == []
    assert len(result.issued) == 2
    assert Invitation.objects.count() == 2
    first, second = (item.invitation for item in result.issued)
    assert first.client == known
    assert first.language == "tr"
    assert second.client.name == "Nour Haddad"
    assert second.window_until == datetime(2026, 12, 11, 23, 0, tzinfo=UTC)  # midnight after the 11th
    assert second.deadline == second.window_until
    assert all(item.code for item in result.issued)


def test_a_bad_row_refuses_the_whole_list_and_says_which_and_why(office_people):
    *_, coordinator = office_people
    data = HEADER + (
        "123D000002;0151 12340002;ar;Frau Yılmaz;arbeit;10;Nour Haddad\n"
        "123D000003;12345;de;Frau Yılmaz;arbeit;10;Zu Kurz\n"
        "123D000004;0151 12340004;de;Herr Niemand;arbeit;10;Ohne Fachkraft\n"
        "123D000005;0151 12340005;de;Frau Yılmaz;kochen;10;Ohne Thema\n"
        "123D000006;0151 12340006;de;Frau Yılmaz;arbeit;bald;Ohne Zeitraum\n"
        "123D000007;0151 12340007;de;Frau Yılmaz;arbeit;10;\n"
    )

    with translation.override("en"):
        result = run(data, coordinator)

    assert [row.line for row in result.refused] == [3, 4, 5, 6, 7]
    reasons = {row.line: row.reason for row in result.refused}
    assert "mobile number" in reasons[3]
    assert "Herr Niemand" in reasons[4]
    assert "kochen" in reasons[5]
    assert "working days" in reasons[6]
    assert "name" in reasons[7]
    assert result.issued == []
    assert not Invitation.objects.exists()
    assert not Client.objects.filter(name="Nour Haddad").exists()
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.INVITED).exists()


def test_the_preview_checks_everything_and_writes_nothing(office_people):
    *_, coordinator = office_people
    data = HEADER + "123D000002;0151 12340002;ar;Frau Yılmaz;arbeit;10;Nour Haddad\n"

    preview = run(data, coordinator, dry_run=True)

    assert preview.refused == []
    assert [item.invitation.client.name for item in preview.issued] == ["Nour Haddad"]
    assert not Invitation.objects.exists()
    assert not Client.objects.exists()


def test_sms_to_a_client_without_consent_is_refused_for_that_row(office_people):
    *_, coordinator = office_people
    data = HEADER + "123D000002;0151 12340002;ar;Frau Yılmaz;arbeit;10;Nour Haddad\n"

    with translation.override("en"):
        result = run(data, coordinator, channels=("sms",))

    assert [row.line for row in result.refused] == [2]
    assert "SMS" in result.refused[0].reason


def test_a_caseworker_of_another_office_is_not_found(office_people):
    *_, coordinator = office_people
    stranger = CaseworkerFactory(display_name="Herr Fremd", topics=[TopicFactory()])
    data = HEADER + f"1;0151 12340002;de;{stranger.display_name};arbeit;10;Nour Haddad\n"

    assert [row.line for row in run(data, coordinator).refused] == [2]


def test_a_plain_caseworker_cannot_import_for_colleagues(office_people):
    topic, _worker, _coordinator = office_people
    colleague = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Herr Kollege")
    data = HEADER + "1;0151 12340002;de;Frau Yılmaz;arbeit;10;Nour Haddad\n"

    result = run(data, colleague)

    assert [row.line for row in result.refused] == [2]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"mobile;topic\n0151 1;arbeit\n", "Columns missing"),
        ("\ufeffmobile;caseworker;topic;window\n".encode("latin-1", "ignore") + b"\xff\xfe\n", "UTF-8"),
        (HEADER.encode(), "empty"),
    ],
)
def test_a_list_that_cannot_be_read_is_refused_as_a_whole(office_people, data, message):
    *_, coordinator = office_people
    with translation.override("en"), pytest.raises(ImportRefused, match=message):
        import_invitations(
            data=data,
            office=coordinator.office,
            channels=["letter"],
            modes=["telephone"],
            invited_by=coordinator.user,
            dry_run=True,
        )


def test_a_comma_separated_list_with_a_bom_is_read(office_people):
    *_, coordinator = office_people
    data = "\ufeffMobile,Caseworker,Topic,Window,Name\n0151 12340002,Frau Yılmaz,arbeit,5,Nour Haddad\n"

    assert len(run(data, coordinator).issued) == 1


def test_a_window_of_working_days_starts_tomorrow(office_people):
    topic, _worker, _coordinator = office_people
    start, until = window_bounds("5", topic.office, datetime(2026, 11, 30, 6, 0, tzinfo=UTC))
    assert start == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # Tuesday 00:00 in Berlin
    assert until == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # after Tue, Wed, Thu, Fri, Mon
