"""A relay-only call through coturn on loopback, with the time-limited credentials the project issues."""

import os
import shutil
import subprocess
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import CHROMIUM, MEDIA_ARGS
from tests.realtime.browser import launch, make_party, three_way_call
from tests.realtime.servers import free_port, web_server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "relay-test-secret"


@pytest.fixture
def coturn(tmp_path):
    """coturn with use-auth-secret on 127.0.0.1 (loopback peers allowed, for this test only)."""
    binary = shutil.which("turnserver")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs coturn (apt-get install coturn)")
        pytest.skip("coturn is not installed (apt-get install coturn)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (a fixed binary with fixed arguments)
        [
            binary,
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--min-port=50000",
            "--max-port=50999",
            "--allow-loopback-peers",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--use-auth-secret",
            f"--static-auth-secret={SECRET}",
            "--realm=sprechstunde.test",
            f"--userdb={tmp_path / 'turndb'}",
            f"--pidfile={tmp_path / 'turnserver.pid'}",
            "--log-file=stdout",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    if process.poll() is not None:
        pytest.fail(f"turnserver exited with {process.returncode}")
    yield f"turn:127.0.0.1:{port}?transport=udp"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def party():
    return make_party()


@pytest.fixture
def media_browser(party, monkeypatch):
    with launch(monkeypatch) as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        yield browser
        browser.close()


def test_relay_only_call_connects_through_coturn(party, coturn, media_browser):
    relay_only = {
        "TURN_URLS": coturn,
        "TURN_SECRET": SECRET,
        "STUN_URLS": "",
        "ICE_TRANSPORT_POLICY": "relay",
    }
    with web_server(env=relay_only) as base:
        pages = three_way_call(media_browser, base, party)
        for page in pages:
            types = page.evaluate("() => window.sprechstundeCall.candidateTypes()")
            assert list(types.values()) == ["relay", "relay"], types


def test_wrong_secret_does_not_connect(party, coturn, media_browser):
    wrong = {
        "TURN_URLS": coturn,
        "TURN_SECRET": "not-the-secret",
        "STUN_URLS": "",
        "ICE_TRANSPORT_POLICY": "relay",
    }
    with web_server(env=wrong) as base, pytest.raises(PlaywrightTimeout):
        three_way_call(media_browser, base, party, timeout=8_000)
