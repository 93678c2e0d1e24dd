"""The Twilio back end, with the real twilio client, against a local fake of Twilio's REST API."""

import pytest

from appointments.providers import sms
from tests.fakes.twilio import FakeTwilio, Reply, send_sms_through


@pytest.fixture
def fake_twilio(settings):
    fake = FakeTwilio()
    send_sms_through(fake, settings)
    yield fake
    fake.stop()


def send():
    return sms.send_sms(to="+4915123456789", body="Hallo", status_callback="https://example.org/cb")


def test_success_posts_the_message_and_returns_the_sid(fake_twilio):
    sid = send()
    assert sid.startswith("SM")
    [request] = fake_twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json"
    assert (request["To"], request["From"], request["Body"]) == ("+4915123456789", "+4930123456", "Hallo")
    assert request["StatusCallback"] == "https://example.org/cb"
    assert request["auth"].startswith("Basic ")


def test_messaging_service_replaces_the_sender(fake_twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    send()
    assert fake_twilio.requests[0]["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in fake_twilio.requests[0]


@pytest.mark.parametrize(
    ("status", "code", "error", "retry"),
    [
        (400, 21610, sms.Unsubscribed, False),
        (400, 21614, sms.NotMobile, False),
        (400, 21211, sms.SmsError, False),
        (429, 20429, sms.TemporaryError, True),
        (500, None, sms.TemporaryError, True),
        (503, None, sms.TemporaryError, True),
    ],
)
def test_errors_say_whether_to_try_again(fake_twilio, status, code, error, retry):
    fake_twilio.error(status, code)
    with pytest.raises(error) as caught:
        send()
    assert type(caught.value) is error
    assert caught.value.retry is retry


def test_time_out_is_temporary(fake_twilio):
    fake_twilio.replies.append(Reply(delay=1.5))
    with pytest.raises(sms.TemporaryError):
        send()


def test_unreachable_provider_is_temporary(fake_twilio, settings):
    settings.TWILIO_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(sms.TemporaryError):
        send()
