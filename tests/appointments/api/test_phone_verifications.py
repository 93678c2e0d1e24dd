"""POST /api/v1/phone-verifications/ and …/{id}/confirm/: a 6-digit SMS code for a verification token."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings

from appointments.models import PhoneVerification
from tests.appointments.api.conftest import PHONE_E164, code_from
from tests.scenario import MONDAY_MORNING

pytestmark = pytest.mark.django_db


def confirm(api, verification_id, code):
    return api.post(f"/api/v1/phone-verifications/{verification_id}/confirm/", {"code": code}, format="json")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def started(request_code, sms_outbox):
    """A verification just sent: its id and the code that went by SMS."""
    response = request_code()
    assert response.status_code == 201
    return response.json()["id"], code_from(sms_outbox[-1])


class TestStart:
    def test_answers_201_with_id_and_expiry(self, request_code, db):
        response = request_code()

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "expires_at"}
        assert uuid.UUID(body["id"])
        assert body["expires_at"] == "2026-11-30T07:10:00+01:00"

    def test_sends_a_6_digit_code_by_sms_to_the_e164_number(self, request_code, sms_outbox, db):
        request_code()

        assert len(sms_outbox) == 1
        assert sms_outbox[0].to == PHONE_E164
        assert len(code_from(sms_outbox[0])) == 6

    def test_the_code_is_not_in_the_answer(self, request_code, sms_outbox, db):
        response = request_code()

        assert code_from(sms_outbox[0]) not in response.content.decode()

    def test_an_invalid_number_is_a_field_error_and_sends_nothing(self, request_code, sms_outbox, db):
        response = request_code(phone="12345")

        assert response.status_code == 400
        assert list(response.json()) == ["phone"]
        assert sms_outbox == []
        assert not PhoneVerification.objects.exists()

    def test_a_landline_is_a_field_error(self, request_code, db):
        response = request_code(phone="069 12345678")

        assert response.status_code == 400
        assert list(response.json()) == ["phone"]

    def test_a_missing_number_is_a_field_error(self, api, db):
        response = api.post("/api/v1/phone-verifications/", {}, format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["phone"]

    def test_an_unknown_field_is_an_error(self, request_code, db):
        response = request_code(channel="sms")

        assert response.status_code == 400
        assert list(response.json()) == ["channel"]

    def test_an_unsupported_language_is_a_field_error(self, request_code, db):
        response = request_code(language="../../etc")

        assert response.status_code == 400
        assert list(response.json()) == ["language"]

    def test_asking_again_within_a_minute_is_429_with_detail(self, request_code, now, db):
        request_code()
        now.shift(timedelta(seconds=59))

        response = request_code(phone="+49 151 23456789")

        assert response.status_code == 429
        assert list(response.json()) == ["detail"]

    def test_asking_again_after_a_minute_sends_a_new_code(self, request_code, now, sms_outbox, db):
        request_code()
        now.shift(timedelta(seconds=settings.PHONE_CODE_RESEND_SECONDS + 1))

        response = request_code()

        assert response.status_code == 201
        assert len(sms_outbox) == 2


class TestConfirm:
    def test_the_right_code_gives_a_verification_token(self, api, started):
        verification_id, code = started

        response = confirm(api, verification_id, code)

        assert response.status_code == 200
        assert list(response.json()) == ["verification_token"]
        assert len(response.json()["verification_token"]) >= 22

    def test_a_wrong_code_is_a_field_error_and_counts(self, api, started):
        verification_id, code = started

        response = confirm(api, verification_id, wrong(code))

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert PhoneVerification.objects.get(pk=verification_id).attempts == 1

    def test_after_too_many_wrong_codes_the_right_one_fails(self, api, started):
        verification_id, code = started
        for _attempt in range(settings.PHONE_CODE_MAX_ATTEMPTS):
            assert confirm(api, verification_id, wrong(code)).status_code == 400

        response = confirm(api, verification_id, code)

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert "verification_token" not in response.json()

    def test_one_wrong_code_less_than_the_limit_still_lets_the_right_one_through(self, api, started):
        verification_id, code = started
        for _attempt in range(settings.PHONE_CODE_MAX_ATTEMPTS - 1):
            confirm(api, verification_id, wrong(code))

        assert confirm(api, verification_id, code).status_code == 200

    def test_an_expired_code_fails(self, api, now, started):
        verification_id, code = started
        now.move_to(MONDAY_MORNING + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS))

        response = confirm(api, verification_id, code)

        assert response.status_code == 400
        assert list(response.json()) == ["code"]

    def test_a_code_can_be_exchanged_only_once(self, api, started):
        verification_id, code = started
        assert confirm(api, verification_id, code).status_code == 200

        response = confirm(api, verification_id, code)

        assert response.status_code == 400
        assert list(response.json()) == ["code"]

    def test_an_unknown_verification_fails_like_a_wrong_code(self, api, db):
        response = confirm(api, uuid.uuid4(), "123456")

        assert response.status_code == 400
        assert list(response.json()) == ["code"]

    @pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "", None, 123456])
    def test_a_code_that_is_not_6_digits_is_a_field_error(self, api, started, code):
        verification_id, _code = started

        response = confirm(api, verification_id, code)

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert PhoneVerification.objects.get(pk=verification_id).attempts == 0

    def test_a_code_typed_in_arabic_indic_digits_is_accepted(self, api, started):
        verification_id, code = started
        arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

        assert confirm(api, verification_id, arabic).status_code == 200

    def test_a_code_typed_with_spaces_is_accepted(self, api, started):
        verification_id, code = started

        assert confirm(api, verification_id, f"{code[:3]} {code[3:]}").status_code == 200
