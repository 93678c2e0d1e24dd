"""A caseworker logs in with the job centre's account in Chromium, through a real OpenID Connect
provider, and logs out of both."""

import pytest

from appointments.models import StaffIdentity
from tests.e2e.conftest import PHONE_SIZE
from tests.oidc import CLIENT_ID, CLIENT_SECRET, start_provider

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def provider(live_server, tmp_path, settings, bookable):
    running = start_provider(
        tmp_path,
        redirect_uris=[f"{live_server.url}/konto/sso/zurueck/"],
        logout_uris=[f"{live_server.url}/konto/login/"],
    )
    settings.OIDC_ISSUER = running.issuer
    # As backend/settings.py lets the logout form go on to the provider when OIDC_ISSUER is set.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    form_action = {**directives, "form-action": [*directives["form-action"], running.issuer]}
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": form_action}
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    office = bookable.office
    settings.OIDC_ROLE_MAP = {"jc-fachkraft": f"caseworker@{office.slug}"}
    running.set_accounts(
        {
            "e7c1-55": {
                "name": "Mehmet Yılmaz",
                "email": "m.yilmaz@jobcenter.example",
                "groups": ["jc-fachkraft"],
            }
        }
    )
    yield running
    running.stop()


def test_a_caseworker_signs_in_and_out_with_the_job_centres_account(browser, live_server, provider):
    page = browser.new_page(viewport=PHONE_SIZE, locale="de-DE")
    page.goto(f"{live_server.url}/konto/login/")
    page.get_by_role("link", name="Mit Ihrem Jobcenter-Konto anmelden").click()

    page.wait_for_url(f"{provider.issuer}/interaction/**", wait_until="domcontentloaded")
    page.fill("input[name=login]", "e7c1-55")
    page.fill("input[name=password]", "irrelevant")
    page.get_by_role("button", name="Sign-in").click()

    page.wait_for_url(f"{live_server.url}/fachkraft/")
    assert page.get_by_role("button", name="Abmelden").is_visible()
    identity = StaffIdentity.objects.get()
    assert identity.subject == "e7c1-55"
    assert identity.user.caseworker.display_name == "Mehmet Yılmaz"

    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(f"{provider.issuer}/session/end**", wait_until="domcontentloaded")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/konto/login/")
    # Signed out at the provider too: the next sign-in asks for the login again.
    page.get_by_role("link", name="Mit Ihrem Jobcenter-Konto anmelden").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**", wait_until="domcontentloaded")
    assert page.locator("input[name=login]").is_visible()
