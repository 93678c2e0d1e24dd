"""Content-Security-Policy: our own scripts only, on every kind of page; no inline code in any template."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory
from tests.realtime.conftest import make_call

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("appointments", "frontend", "realtime", "backend")
TEMPLATES = sorted(path for app in APPS for path in (ROOT / app).glob("**/templates/**/*.html"))
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


class InlineCode(HTMLParser):
    """Collects what a strict CSP blocks: inline scripts, <style> blocks, style="" and on…="" attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        inline = [name for name in names if name == "style" or name.startswith("on")]
        self.found.extend(f'{name}="…" on <{tag}>' for name in inline)


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_scanner_finds_inline_code():
    html = '<script>alert(1)</script><p style="x" onclick="y"></p><style></style><script src="/a.js">'
    assert inline_code(html) == ["<script> without src", 'style="…" on <p>', 'onclick="…" on <p>', "<style>"]
    assert inline_code('<script id="c" type="application/json">{}</script>') == []


def test_there_are_templates_to_scan():
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_inline_code(template):
    # Template tags inside attributes ({% if %}…) would only hide code from the scan, never invent it.
    assert inline_code(template.read_text()) == []


@pytest.fixture
def call(now):
    return make_call()


@pytest.fixture
def caseworker_user(call):
    return get_user_model().objects.get(caseworker=call.appointment.caseworker)


def assert_strict(response):
    assert response.status_code == 200, response.status_code
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # What the calls need: the signalling websocket (production names the host: test_check_deploy)
    # and the camera's streams.
    assert csp["connect-src"][0] == "'self'"
    assert {"blob:", "mediastream:"} <= set(csp["media-src"])
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("path", ["/", "/termin/art/", "/m/", "/barrierefreiheit/", "/konto/login/"])
def test_client_pages_have_a_strict_policy(client, path, call):
    assert_strict(client.get(path, follow=True))


def test_the_client_video_call_page_has_a_strict_policy(client, call):
    assert_strict(client.get(f"/video/{call.reference}/{call.token}/"))


def test_staff_pages_and_the_staff_call_page_have_a_strict_policy(client, call, caseworker_user):
    client.force_login(caseworker_user)

    assert_strict(client.get("/fachkraft/"))
    assert_strict(client.get(f"/video/raum/{call.room}/"))


def test_the_admin_works_under_the_policy(client, call):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for path in ("/admin/", "/admin/appointments/appointment/", "/admin/appointments/office/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy(response)["script-src"] == ["'self'"]
        assert inline_code(response.content.decode()) == [], path


def test_the_api_docs_load_their_script_from_us_and_only_allow_their_own_inline_style(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    csp = policy(page)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert [found for found in inline_code(page.content.decode()) if found != "<style>"] == []
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', page.content.decode()).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_pages_of_every_kind_refuse_to_be_framed(client):
    response = client.get("/")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
