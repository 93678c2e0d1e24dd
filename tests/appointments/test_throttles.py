"""Twilio's webhooks are rate-limited per address: the request after the limit is a 429, before any work."""

import pytest
from twilio.request_validator import RequestValidator

pytestmark = pytest.mark.django_db

TOKEN = "twilio-auth-token"
WEBHOOKS = [
    "/webhooks/twilio/sms-status/",
    "/webhooks/twilio/sms-inbound/",
    "/webhooks/twilio/voice/room-1/client/twiml/",
    "/webhooks/twilio/voice/room-1/client/status/",
]


@pytest.fixture(autouse=True)
def three_a_minute(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = "https://termine.example.org"
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "webhook": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.mark.parametrize("path", WEBHOOKS)
def test_the_request_after_the_limit_is_429_with_retry_after(client, path):
    answers = [client.post(path, {}).status_code for _ in range(3)]
    throttled = client.post(path, {})

    assert answers == [403, 403, 403]  # unsigned: refused, but counted
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 60


def test_the_limit_is_per_address_and_shared_by_all_webhooks(client, settings):
    signed_url = f"{settings.SITE_URL}{WEBHOOKS[0]}"
    data = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(signed_url, data)}

    for path in WEBHOOKS[1:]:
        client.post(path, {})

    assert client.post(WEBHOOKS[0], data, headers=headers).status_code == 429
    assert client.post(WEBHOOKS[0], data, headers=headers, REMOTE_ADDR="10.0.0.2").status_code == 204
