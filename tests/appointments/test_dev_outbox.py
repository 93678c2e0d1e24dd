"""The development outbox: what the console back ends sent, with the invites to download."""

from datetime import UTC, datetime

import pytest

from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.outbox.worker import run_due_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


@pytest.fixture
def console(settings, tmp_path):
    settings.DEBUG = True
    settings.OUTBOX_DIR = str(tmp_path)
    settings.SMS_BACKEND = "appointments.providers.sms.ConsoleBackend"
    settings.MAILERS = {
        "default": {"BACKEND": "appointments.providers.mail.OutboxEmailBackend", "OPTIONS": {}}
    }
    return tmp_path


def test_lists_sms_and_mail_with_the_invite(console, client, topic, capsys):
    book_appointment(
        topic=topic,
        mode="video",
        start=datetime(2026, 12, 1, 8, tzinfo=UTC),
        client=ClientDetails(
            name="Aylin Demir", phone="0151 23456789", email="a@example.org", sms_consent=True
        ),
    )
    run_due_messages()
    assert "--- SMS to +4915123456789" in capsys.readouterr().out
    page = client.get("/dev/outbox/")
    assert page.status_code == 200
    assert "+4915123456789" in page.text
    assert "a@example.org" in page.text
    invite_links = [line for line in page.text.splitlines() if "invite.ics" in line]
    assert len(invite_links) == 1
    href = invite_links[0].split('href="')[1].split('"')[0]
    invite = client.get(href)
    assert invite.status_code == 200
    assert b"METHOD:REQUEST" in invite.content


def test_hidden_unless_debug(console, client, settings):
    settings.DEBUG = False
    assert client.get("/dev/outbox/").status_code == 404


def test_no_path_tricks(console, client):
    assert client.get("/dev/outbox/..%2Fsecret.eml/invite.ics").status_code == 404
