"""Staff sign in with the job centre's own accounts, against a real OpenID Connect provider."""

import logging
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import SuspiciousOperation
from django.test import Client

from appointments.models import Caseworker, Interpreter, StaffIdentity
from appointments.services.permissions import caseworker_for
from frontend.sso import StaffSignIn
from tests.factories import OfficeFactory
from tests.oidc import CLIENT_ID, CLIENT_SECRET, log_in_at_provider, query_of, start_provider

CALLBACK = "http://testserver/konto/sso/zurueck/"
AFTER_LOGOUT = "http://testserver/konto/login/"
ROLES = {
    "jc-musterstadt-fachkraft": "caseworker@musterstadt",
    "jc-musterstadt-koordination": "coordinator@musterstadt",
    "dolmetschpool": "interpreter",
}
MEHMET = {
    "name": "Mehmet Yılmaz",
    "email": "m.yilmaz@jobcenter.example",
    "groups": ["jc-musterstadt-fachkraft"],
}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = start_provider(
        tmp_path_factory.mktemp("oidc"), redirect_uris=[CALLBACK], logout_uris=[AFTER_LOGOUT]
    )
    yield running
    running.stop()


@pytest.fixture
def sso(provider, settings):
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_MAP = ROLES
    provider.set_accounts({"4711-a": MEHMET})
    return provider


@pytest.fixture
def musterstadt(db):
    return OfficeFactory(slug="musterstadt", name="Jobcenter Musterstadt")


def sign_in(client: Client, login: str, *, follow_callback: bool = True):
    """The whole round trip: our start page, the provider's login, back to our callback."""
    start = client.get("/konto/sso/")
    assert start.status_code == 302
    back = log_in_at_provider(start["Location"], login, stop_at=CALLBACK)
    if not follow_callback:
        return start, back
    return client.get(back.removeprefix("http://testserver"))


def test_the_start_asks_with_state_nonce_and_a_pkce_challenge(sso, client):
    start = client.get("/konto/sso/")
    query = query_of(start["Location"])
    assert start["Location"].startswith(f"{sso.issuer}/")
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    assert "groups" in query["scope"].split()


def test_the_first_sign_in_makes_a_caseworker_from_the_claims(sso, client, musterstadt):
    response = sign_in(client, "4711-a")
    assert response.status_code == 302
    assert response["Location"] == "/fachkraft/"
    identity = StaffIdentity.objects.get(subject="4711-a")
    user = identity.user
    assert identity.issuer == sso.issuer
    assert identity.roles == ["caseworker@musterstadt"]
    # The key is the provider's subject, never the e-mail address; the user name says nothing.
    assert user.username.startswith("sso-")
    assert "yilmaz" not in user.username
    assert (user.first_name, user.last_name, user.email) == ("Mehmet", "Yılmaz", "m.yilmaz@jobcenter.example")
    assert not user.has_usable_password()
    caseworker = caseworker_for(user)
    assert caseworker.office == musterstadt
    assert not caseworker.is_coordinator
    assert client.get("/fachkraft/").status_code == 200


def test_the_next_sign_in_follows_changed_claims_for_the_same_subject(sso, client, musterstadt):
    sign_in(client, "4711-a")
    sso.set_accounts(
        {
            "4711-a": {
                **MEHMET,
                "email": "mehmet.yilmaz@jobcenter.example",
                "groups": ["jc-musterstadt-koordination", "other-app-users"],
            }
        }
    )
    sign_in(Client(), "4711-a")
    assert StaffIdentity.objects.count() == 1
    caseworker = Caseworker.objects.get()
    assert caseworker.is_coordinator
    assert caseworker.user.email == "mehmet.yilmaz@jobcenter.example"


def test_an_interpreter_role_makes_an_interpreter(sso, client, musterstadt):
    sso.set_accounts(
        {"dolmetsch-9": {"name": "Rana Haddad", "email": "r@example.org", "groups": ["dolmetschpool"]}}
    )
    response = sign_in(client, "dolmetsch-9")
    assert response["Location"] == "/dolmetschen/"
    interpreter = Interpreter.objects.get()
    assert (interpreter.name, interpreter.email, interpreter.active) == ("Rana Haddad", "r@example.org", True)


def test_without_a_role_claim_nobody_gets_in(sso, client, musterstadt):
    sso.set_accounts({"4711-b": {"name": "Ohne Rolle", "email": "x@jobcenter.example"}})
    response = sign_in(client, "4711-b")
    assert response["Location"] == "/konto/login/"
    page = client.get("/konto/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert "keine Rolle" in page.content.decode()
    assert not StaffIdentity.objects.exists()
    assert client.get("/fachkraft/").status_code == 302


def test_a_role_taken_away_ends_access_at_the_next_sign_in(sso, client, musterstadt):
    sign_in(client, "4711-a")
    user = StaffIdentity.objects.get().user
    sso.set_accounts({"4711-a": {**MEHMET, "groups": ["other-app-users"]}})
    other_browser = Client()
    assert sign_in(other_browser, "4711-a")["Location"] == "/konto/login/"
    user.refresh_from_db()
    # The profile is switched off: every page and the staff feed's re-check ask caseworker_for.
    assert caseworker_for(user) is None
    assert client.get("/fachkraft/").status_code == 404
    assert StaffIdentity.objects.get().roles == []


def test_a_replayed_state_is_refused(sso, client, musterstadt):
    _start, back = sign_in(client, "4711-a", follow_callback=False)
    path = back.removeprefix("http://testserver")
    assert client.get(path).status_code == 302
    assert client.get(path).status_code == 400


def test_a_provider_that_names_another_issuer_is_refused(sso, client, settings):
    # The same server under another name: its discovery document names 127.0.0.1, not localhost.
    settings.OIDC_ISSUER = sso.issuer.replace("127.0.0.1", "localhost")
    assert client.get("/konto/sso/").status_code == 400


def test_an_expired_id_token_is_refused(sso, client, musterstadt):
    _start, back = sign_in(client, "4711-a", follow_callback=False)
    # The provider's tokens live an hour; ours is checked two hours later (with 30 s of leeway).
    with time_machine.travel(time.time() + timedelta(hours=2).total_seconds(), tick=False):
        response = client.get(back.removeprefix("http://testserver"), SERVER_NAME="testserver")
    assert response["Location"] == "/konto/login/"
    assert not StaffIdentity.objects.exists()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"iss": "http://127.0.0.1:1"}, "InvalidIssuerError"),
        ({"aud": "another-application"}, "InvalidAudienceError"),
        ({"exp": int(time.time()) - 120}, "ExpiredSignatureError"),
    ],
)
def test_id_tokens_the_provider_did_not_issue_for_us_are_refused(sso, change, why):
    now = int(time.time())
    valid = {"iss": sso.issuer, "aud": CLIENT_ID, "sub": "4711-a", "iat": now, "exp": now + 300}
    backend = StaffSignIn()
    with pytest.raises(SuspiciousOperation, match=why):
        backend.verify_token(sso.mint(**{**valid, **change}))
    assert backend.verify_token(sso.mint(**valid))["sub"] == "4711-a"


def test_logout_ends_the_providers_session_too(sso, client, musterstadt):
    sign_in(client, "4711-a")
    id_token = client.session["oidc_id_token"]
    response = client.post("/konto/logout/")
    query = query_of(response["Location"])
    assert response["Location"].startswith(f"{sso.issuer}/session/end")
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == AFTER_LOGOUT
    assert client.get("/fachkraft/").status_code == 302


def test_no_token_or_code_reaches_the_logs(sso, client, musterstadt, caplog):
    caplog.set_level(logging.DEBUG)
    _start, back = sign_in(client, "4711-a", follow_callback=False)
    client.get(back.removeprefix("http://testserver"))
    code = query_of(back)["code"]
    id_token = client.session["oidc_id_token"]
    assert code not in caplog.text
    assert id_token not in caplog.text
    assert id_token.split(".")[1] not in caplog.text


def test_a_provider_sign_in_needs_no_second_factor_of_ours(sso, client, musterstadt):
    musterstadt.coordinators_need_second_factor = True
    musterstadt.save()
    sso.set_accounts({"4711-a": {**MEHMET, "groups": ["jc-musterstadt-koordination"]}})
    sign_in(client, "4711-a")
    assert client.get("/fachkraft/").status_code == 200


def test_the_password_login_can_be_switched_off(sso, client, settings):
    settings.LOCAL_LOGIN = False
    page = client.get("/konto/login/").content.decode()
    assert 'name="password"' not in page
    assert "/konto/sso/" in page
    assert client.post("/konto/login/", {"username": "x", "password": "y"}).status_code == 405


def test_without_an_issuer_there_is_no_sso(client, settings):
    settings.OIDC_ISSUER = ""
    assert client.get("/konto/sso/").status_code == 404
    assert "/konto/sso/" not in client.get("/konto/login/").content.decode()


def test_a_deactivated_user_is_signed_out_of_an_open_session(sso, client, musterstadt):
    sign_in(client, "4711-a")
    assert client.get("/fachkraft/").status_code == 200
    user = StaffIdentity.objects.get().user
    user.is_active = False
    user.save()
    assert client.get("/fachkraft/").status_code == 302
