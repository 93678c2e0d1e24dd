"""Phone verification: codes by SMS, limited attempts and resends, single-use tokens."""

import re
from datetime import timedelta

import pytest
from django.utils import translation

from appointments.exceptions import InvalidPhoneNumber, TooManyRequests, VerificationFailed
from appointments.models import PhoneVerification
from appointments.services.verification import (
    confirm_phone_verification,
    consume_verification,
    start_phone_verification,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.fixture
def send(sms_outbox, django_capture_on_commit_callbacks):
    """Start a verification and return it with the code that went out by SMS."""

    def start(phone="0151 23456789", language="de"):
        with django_capture_on_commit_callbacks(execute=True):
            verification = start_phone_verification(phone=phone, language=language)
        return verification, re.search(r"\d{6}", sms_outbox[-1].body).group()

    return start


def test_code_goes_by_sms_to_the_e164_number_and_is_stored_keyed(send, sms_outbox):
    verification, code = send()
    assert sms_outbox[-1].to == "+4915123456789"
    assert verification.phone == "+4915123456789"
    assert code not in verification.code_hash
    assert len(verification.code_hash) == 64


def test_the_sms_is_in_the_requested_language(send, sms_outbox):
    send(language="en")
    assert "job centre" in sms_outbox[-1].body


def test_right_code_gives_a_token_that_books_once(send, now):
    verification, code = send()
    token = confirm_phone_verification(verification_id=verification.id, code=code)
    consume_verification(token=token, phone="+4915123456789")
    with pytest.raises(VerificationFailed):
        consume_verification(token=token, phone="+4915123456789")


def test_a_code_confirms_once(send):
    verification, code = send()
    confirm_phone_verification(verification_id=verification.id, code=code)
    with pytest.raises(VerificationFailed):
        confirm_phone_verification(verification_id=verification.id, code=code)


def test_wrong_codes_are_counted_and_then_even_the_right_one_fails(send, settings):
    verification, code = send()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        with pytest.raises(VerificationFailed):
            confirm_phone_verification(verification_id=verification.id, code=wrong)
    assert PhoneVerification.objects.get().attempts == settings.PHONE_CODE_MAX_ATTEMPTS
    with translation.override("en"), pytest.raises(VerificationFailed, match="Too many"):
        confirm_phone_verification(verification_id=verification.id, code=code)


def test_code_expires(send, time_machine, now, settings):
    verification, code = send()
    time_machine.move_to(now + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS + 1), tick=False)
    with pytest.raises(VerificationFailed):
        confirm_phone_verification(verification_id=verification.id, code=code)


def test_token_expires(send, time_machine, now, settings):
    verification, code = send()
    token = confirm_phone_verification(verification_id=verification.id, code=code)
    time_machine.move_to(
        now + timedelta(seconds=settings.PHONE_VERIFICATION_TOKEN_TTL_SECONDS + 1), tick=False
    )
    with pytest.raises(VerificationFailed):
        consume_verification(token=token, phone="+4915123456789")


def test_resend_waits_a_minute_and_at_most_five_an_hour(send, time_machine, now):
    send()
    with pytest.raises(TooManyRequests):
        send()
    for minute in range(1, 5):
        time_machine.move_to(now + timedelta(minutes=minute), tick=False)
        send()
    time_machine.move_to(now + timedelta(minutes=30), tick=False)
    with pytest.raises(TooManyRequests):
        send()
    time_machine.move_to(now + timedelta(minutes=61), tick=False)
    send()
    send(phone="0170 1234567")  # another number is not held up


def test_invalid_number_sends_nothing(sms_outbox):
    with pytest.raises(InvalidPhoneNumber):
        start_phone_verification(phone="0800 123")
    assert sms_outbox == []
    assert not PhoneVerification.objects.exists()
