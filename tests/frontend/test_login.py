"""Staff login: argon2 hashes, lockout of user and address, the TOTP second factor, idle sessions, logout."""

from base64 import b32encode
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backend import settings as production
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory
from tests.scenario import ENGLISH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PASSWORD = "demo-password-1"  # what UserFactory gives everyone
LOGIN = "/konto/login/"
CODE = "/konto/login/code/"
SETUP = "/konto/zwei-faktor/"


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, headers=ENGLISH, **extra)


def code_of(device: TOTPDevice) -> str:
    """The code the user's app shows right now."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def wrong_code_of(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 1) % 1_000_000:06d}"


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def device(caseworker):
    return TOTPDevice.objects.create(user=caseworker.user, name="phone", confirmed=True)


# Hashing


def test_production_settings_hash_new_passwords_with_argon2(settings):
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # conftest uses MD5 for speed

    user = UserFactory(password="a long secret phrase")

    assert user.password.startswith("argon2$argon2id$")
    assert check_password("a long secret phrase", user.password)


# Password only


def test_login_page_has_labelled_fields(client):
    page = client.get(LOGIN, {"next": "/fachkraft/woche/"}, headers=ENGLISH)

    assert page.status_code == 200
    assert '<label for="id_username">User name</label>' in page.text
    assert '<label for="id_password">Password</label>' in page.text
    assert 'name="next" value="/fachkraft/woche/"' in page.text


def test_caseworker_lands_on_their_day(client, caseworker):
    response = log_in(client, caseworker.user.username)

    assert response.status_code == 302
    assert response["Location"] == "/fachkraft/"
    assert logged_in_user_id(client) == str(caseworker.user.pk)
    assert client.get("/fachkraft/").status_code == 200


def test_interpreter_lands_on_their_requests(client):
    interpreter = InterpreterFactory(user=UserFactory())

    response = log_in(client, interpreter.user.username)

    assert response["Location"] == "/dolmetschen/"


def test_wrong_password_is_refused(client, caseworker):
    response = log_in(client, caseworker.user.username, "not-the-password")

    assert response.status_code == 200
    assert "The user name or password is not correct." in response.text
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/fachkraft/woche/", "/fachkraft/woche/"),
        ("https://evil.example/fachkraft/", "/fachkraft/"),
        ("//evil.example/", "/fachkraft/"),
    ],
)
def test_next_is_followed_only_within_the_site(client, caseworker, next_url, landing):
    response = client.post(
        LOGIN, {"username": caseworker.user.username, "password": PASSWORD, "next": next_url}
    )

    assert response["Location"] == landing


# Lockout (django-axes): five failures lock the pair of user name and address


def test_five_wrong_passwords_lock_the_user_at_this_address(client, caseworker):
    for _ in range(4):
        assert log_in(client, caseworker.user.username, "wrong").status_code == 200
    fifth = log_in(client, caseworker.user.username, "wrong")

    sixth = log_in(client, caseworker.user.username)  # the right password

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert "Too many failed attempts" in sixth.text
    assert "blocked for 15 minutes" in sixth.text
    assert '<html lang="en"' in sixth.text
    assert logged_in_user_id(client) is None


def test_lockout_spares_other_addresses_and_other_users(client, caseworker, topic):
    colleague = UserFactory()
    for _ in range(5):
        log_in(client, caseworker.user.username, "wrong")

    assert log_in(client, caseworker.user.username, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    assert log_in(client, colleague.username).status_code == 302  # another user, same address
    client.logout()
    elsewhere = log_in(client, caseworker.user.username, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302
    assert logged_in_user_id(client) == str(caseworker.user.pk)


def test_lockout_ends_after_the_cool_off(client, caseworker, time_machine):
    for _ in range(5):
        log_in(client, caseworker.user.username, "wrong")
    time_machine.shift(timedelta(minutes=14))
    assert log_in(client, caseworker.user.username).status_code == 429  # does not extend the lockout

    time_machine.shift(timedelta(minutes=1, seconds=1))

    assert log_in(client, caseworker.user.username).status_code == 302
    assert logged_in_user_id(client) == str(caseworker.user.pk)


def test_a_successful_login_forgets_earlier_failures(client, caseworker):
    for _ in range(4):
        log_in(client, caseworker.user.username, "wrong")
    log_in(client, caseworker.user.username)
    client.post("/konto/logout/")

    for _ in range(4):
        assert log_in(client, caseworker.user.username, "wrong").status_code == 200
    assert log_in(client, caseworker.user.username).status_code == 302


# Second factor


def test_password_alone_does_not_log_in_a_user_with_a_device(client, caseworker, device):
    response = log_in(client, caseworker.user.username)

    assert response["Location"] == CODE
    assert logged_in_user_id(client) is None
    staff_page = client.get("/fachkraft/")
    assert staff_page.status_code == 302
    assert staff_page["Location"].startswith(LOGIN)
    assert 'autocomplete="one-time-code"' in client.get(CODE, headers=ENGLISH).text


def test_the_password_step_ends_an_earlier_session_in_this_browser(client, caseworker, device):
    client.force_login(UserFactory())

    log_in(client, caseworker.user.username)

    assert logged_in_user_id(client) is None


def test_the_right_code_logs_in_and_verifies(client, caseworker, device):
    log_in(client, caseworker.user.username)

    response = client.post(CODE, {"code": code_of(device)})

    assert response["Location"] == "/fachkraft/"
    assert logged_in_user_id(client) == str(caseworker.user.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get("/fachkraft/").status_code == 200
    assert "Two-factor login is on" in client.get(SETUP, headers=ENGLISH).text  # needs the verified session


def test_the_code_step_keeps_a_safe_next(client, caseworker, device):
    client.post(
        LOGIN, {"username": caseworker.user.username, "password": PASSWORD, "next": "/fachkraft/team/"}
    )

    assert client.post(CODE, {"code": code_of(device)})["Location"] == "/fachkraft/team/"


def test_a_wrong_code_is_refused(client, caseworker, device, time_machine):
    log_in(client, caseworker.user.username)

    response = client.post(CODE, {"code": wrong_code_of(device)}, headers=ENGLISH)

    assert response.status_code == 200
    assert "The code is not correct." in response.text
    assert logged_in_user_id(client) is None
    time_machine.shift(timedelta(seconds=2))  # django-otp slows down guessing after a failure
    assert client.post(CODE, {"code": code_of(device)}).status_code == 302


def test_wrong_codes_count_as_failed_logins(client, caseworker, device, time_machine):
    log_in(client, caseworker.user.username)
    for _ in range(4):
        assert client.post(CODE, {"code": wrong_code_of(device)}).status_code == 200
        time_machine.shift(timedelta(seconds=20))

    fifth = client.post(CODE, {"code": wrong_code_of(device)}, headers=ENGLISH)

    assert fifth.status_code == 429
    assert "Too many failed attempts" in fifth.text
    assert log_in(client, caseworker.user.username).status_code == 429
    assert logged_in_user_id(client) is None


def test_the_code_step_expires(client, caseworker, device, time_machine):
    log_in(client, caseworker.user.username)
    time_machine.shift(timedelta(minutes=6))

    response = client.post(CODE, {"code": code_of(device)})

    assert response["Location"] == LOGIN
    assert logged_in_user_id(client) is None


def test_the_code_step_needs_the_password_step(client, caseworker, device):
    assert client.post(CODE, {"code": code_of(device)})["Location"] == LOGIN
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("page", [SETUP, "/konto/passwort/", "/fachkraft/", "/fachkraft/woche/", "/admin/"])
def test_a_session_without_the_code_cannot_open_pages_that_need_it(client, caseworker, device, page):
    caseworker.user.is_staff = True  # the admin too
    caseworker.user.save()
    client.force_login(caseworker.user)  # as if logged in with the password only

    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"] in (f"{LOGIN}?next={page}", f"/admin/login/?next={page}")


def test_the_api_treats_a_session_without_the_code_as_anonymous(client, device):
    interpreter = InterpreterFactory(user=device.user)
    client.force_login(interpreter.user)

    assert client.get("/api/v1/interpreter-requests/").status_code == 403


def test_the_admin_login_is_ours(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"


# Setting up and removing the second factor


def test_set_up_shows_a_qr_code_and_the_key_and_keeps_them_on_reload(client, caseworker):
    client.force_login(caseworker.user)

    page = client.get(SETUP, headers=ENGLISH)
    again = client.get(SETUP, headers=ENGLISH)

    device = TOTPDevice.objects.get(user=caseworker.user)
    assert not device.confirmed
    assert 'src="data:image/svg+xml' in page.text
    key = b32encode(device.bin_key).decode()
    shown = '<code dir="ltr">' + " ".join(key[i : i + 4] for i in range(0, len(key), 4)) + "</code>"
    assert shown in page.text
    assert shown in again.text
    assert TOTPDevice.objects.filter(user=caseworker.user).count() == 1


def test_set_up_confirms_the_device_with_the_right_code_only(client, caseworker, time_machine):
    client.force_login(caseworker.user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=caseworker.user)

    refused = client.post(SETUP, {"code": wrong_code_of(device)}, headers=ENGLISH)
    device.refresh_from_db()
    assert refused.status_code == 200
    assert "The code is not correct." in refused.text
    assert not device.confirmed

    time_machine.shift(timedelta(seconds=2))
    confirmed = client.post(SETUP, {"code": code_of(device)})

    device.refresh_from_db()
    assert confirmed["Location"] == SETUP
    assert device.confirmed
    assert client.session["otp_device_id"] == device.persistent_id  # this session counts as verified
    assert "Two-factor login is on" in client.get(SETUP, headers=ENGLISH).text


def test_the_next_login_asks_for_the_code_after_set_up(client, caseworker, time_machine):
    client.force_login(caseworker.user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=caseworker.user)
    client.post(SETUP, {"code": code_of(device)})
    client.post("/konto/logout/")

    assert log_in(client, caseworker.user.username)["Location"] == CODE
    time_machine.shift(timedelta(seconds=30))  # a code is good once; the app shows the next one
    assert client.post(CODE, {"code": code_of(device)})["Location"] == "/fachkraft/"


def test_removing_the_device(client, caseworker, device):
    log_in(client, caseworker.user.username)
    client.post(CODE, {"code": code_of(device)})
    assert client.get("/konto/zwei-faktor/entfernen/").status_code == 405

    response = client.post("/konto/zwei-faktor/entfernen/", {"password": PASSWORD})

    assert response["Location"] == SETUP
    assert not TOTPDevice.objects.filter(user=caseworker.user).exists()
    client.post("/konto/logout/")
    assert log_in(client, caseworker.user.username)["Location"] == "/fachkraft/"


# Idle sessions and logout


def test_session_ends_after_an_hour_without_activity(client, caseworker, time_machine):
    log_in(client, caseworker.user.username)
    time_machine.shift(timedelta(minutes=61))

    response = client.get("/fachkraft/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/fachkraft/"


def test_activity_keeps_the_session_alive(client, caseworker, time_machine):
    log_in(client, caseworker.user.username)
    for _ in range(3):
        time_machine.shift(timedelta(minutes=40))
        assert client.get("/fachkraft/").status_code == 200


def test_logout_is_post_only_and_ends_the_session(client, caseworker):
    log_in(client, caseworker.user.username)

    assert client.get("/konto/logout/").status_code == 405
    assert logged_in_user_id(client) == str(caseworker.user.pk)
    response = client.post("/konto/logout/", headers=ENGLISH)

    assert response["Location"] == LOGIN
    assert logged_in_user_id(client) is None
    assert client.get("/fachkraft/")["Location"].startswith(LOGIN)
    assert "You are logged out." in client.get(LOGIN, headers=ENGLISH).text


def test_password_change_keeps_the_session(client, caseworker):
    log_in(client, caseworker.user.username)
    assert '<label for="id_old_password">' in client.get("/konto/passwort/").text

    response = client.post(
        "/konto/passwort/",
        {
            "old_password": PASSWORD,
            "new_password1": "Kaffee-und-Kuchen-42",
            "new_password2": "Kaffee-und-Kuchen-42",
        },
    )

    assert response["Location"] == "/konto/passwort/geaendert/"
    assert "Your new password is saved." in client.get("/konto/passwort/geaendert/", headers=ENGLISH).text
    caseworker.user.refresh_from_db()
    assert caseworker.user.check_password("Kaffee-und-Kuchen-42")


def test_an_interpreter_sets_up_the_second_factor_without_the_staff_menu(client):
    interpreter = InterpreterFactory(user=UserFactory())
    client.force_login(interpreter.user)

    page = client.get(SETUP)

    assert page.status_code == 200
    assert "/dolmetschen/" in page.text
    assert "/fachkraft/" not in page.text


# Switching the second factor off needs the password; an office can make it mandatory for coordinators


def verified_login(client, user, device):
    log_in(client, user.username)
    client.post(CODE, {"code": code_of(device)})


def test_switching_off_needs_the_password_again(client, caseworker, device):
    verified_login(client, caseworker.user, device)
    assert 'name="password"' in client.get(SETUP).text

    without = client.post("/konto/zwei-faktor/entfernen/", headers=ENGLISH)
    wrong = client.post("/konto/zwei-faktor/entfernen/", {"password": "not-it"}, headers=ENGLISH)

    assert without.status_code == wrong.status_code == 400
    assert "Please enter your password." in without.text
    assert "The password is not correct." in wrong.text
    assert TOTPDevice.objects.filter(user=caseworker.user, confirmed=True).exists()


def test_wrong_passwords_when_switching_off_count_as_failed_logins(client, caseworker, device):
    verified_login(client, caseworker.user, device)
    for _ in range(5):
        client.post("/konto/zwei-faktor/entfernen/", {"password": "not-it"})

    refused = client.post("/konto/zwei-faktor/entfernen/", {"password": PASSWORD})

    assert refused.status_code == 429
    assert TOTPDevice.objects.filter(user=caseworker.user).exists()


def test_switching_off_is_translated(client, caseworker, device):
    verified_login(client, caseworker.user, device)
    wrong = client.post(
        "/konto/zwei-faktor/entfernen/", {"password": "nicht"}, headers={"accept-language": "de"}
    )
    assert "Das Passwort ist nicht richtig." in wrong.text


@pytest.fixture
def strict_coordinator(caseworker):
    caseworker.is_coordinator = True
    caseworker.save(update_fields=["is_coordinator"])
    caseworker.office.coordinators_need_second_factor = True
    caseworker.office.save(update_fields=["coordinators_need_second_factor"])
    return caseworker


@pytest.mark.parametrize(
    "page", ["/fachkraft/", "/fachkraft/team/", "/fachkraft/zahlen/", "/dolmetschen/zahlen/", "/admin/", "/"]
)
def test_a_coordinator_of_a_strict_office_is_sent_to_set_up_first(client, strict_coordinator, page):
    strict_coordinator.user.is_staff = True
    strict_coordinator.user.save()
    client.force_login(strict_coordinator.user)

    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"] == SETUP
    setup = client.get(SETUP, headers=ENGLISH)
    assert setup.status_code == 200
    assert "Your office asks coordinators to use two-factor login." in setup.text
    assert client.get("/konto/passwort/").status_code == 200  # the ways out stay open
    assert client.post("/konto/logout/")["Location"] == LOGIN


def test_the_api_refuses_a_coordinator_of_a_strict_office_without_a_device(client, strict_coordinator):
    client.force_login(strict_coordinator.user)

    response = client.get("/api/v1/interpreter-requests/", headers={"accept-language": "de"})

    assert response.status_code == 403
    assert "Zwei-Faktor-Anmeldung" in response.json()["detail"]


def test_after_set_up_a_coordinator_of_a_strict_office_gets_in_and_cannot_switch_off(
    client, strict_coordinator, time_machine
):
    client.force_login(strict_coordinator.user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=strict_coordinator.user)
    client.post(SETUP, {"code": code_of(device)})

    assert client.get("/fachkraft/team/").status_code == 200
    active = client.get(SETUP, headers=ENGLISH).text
    assert "cannot be switched off here" in active
    assert 'name="password"' not in active
    refused = client.post("/konto/zwei-faktor/entfernen/", {"password": PASSWORD})
    assert refused["Location"] == SETUP
    assert TOTPDevice.objects.filter(user=strict_coordinator.user, confirmed=True).exists()


def test_the_rule_spares_caseworkers_and_coordinators_of_other_offices(client, strict_coordinator, topic):
    plain = CaseworkerFactory(office=strict_coordinator.office)
    elsewhere = CaseworkerFactory(is_coordinator=True)
    for user in (plain.user, elsewhere.user):
        client.force_login(user)
        assert client.get("/fachkraft/").status_code == 200
