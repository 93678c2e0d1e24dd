"""Five people in one Janus room in Chromium (fake camera): a host lets four clients in at once,
everyone receives the host, the host receives all four; a muted client's sound stops (not their
picture), a removed client's media stops, and a token of another room does not open this one."""

import math
import time
import wave
from array import array
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.services import janus
from tests.browser import CHROMIUM, MEDIA_ARGS
from tests.e2e.conftest import accessible
from tests.group_call import video_session
from tests.janus import janus_environment, use_janus
from tests.realtime.browser import launch, open_page, stage
from tests.realtime.conftest import session_cookie
from tests.realtime.servers import web_server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RECEIVED = "(kind) => window.sprechstundeCall.received(kind)"


def growing(page, participants, *, kind=None, timeout=30) -> dict:
    """Waits until the page receives bytes (of `kind`, or any) from each of `participants`,
    more on a second look."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        first = page.evaluate(RECEIVED, kind)
        time.sleep(1)
        second = page.evaluate(RECEIVED, kind)
        if all(second.get(str(p), 0) > first.get(str(p), 0) > 0 for p in participants):
            return second
    raise AssertionError(f"not receiving from all of {participants}: {page.evaluate(RECEIVED, kind)}")


def stopped(page, participant, *, kind=None) -> bool:
    """No more bytes (of `kind`) arrive from the participant, once what was on its way has come."""
    time.sleep(2)
    before = page.evaluate(RECEIVED, kind).get(str(participant), 0)
    time.sleep(2)
    return page.evaluate(RECEIVED, kind).get(str(participant), 0) == before


def test_a_host_and_four_clients_share_one_janus_room(settings, running_janus, monkeypatch, screenshots):
    use_janus(settings, running_janus)
    group = video_session(places=4)
    cookie = session_cookie(group.host)
    room = group.room
    with launch(monkeypatch) as playwright, web_server(env=janus_environment(running_janus)) as base:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        clients = [
            open_page(browser, f"{base}/video/{place.reference}/{place.token}/") for place in group.places
        ]
        for page in clients:
            stage(page, "waiting")
        host = open_page(browser, f"{base}/video/raum/{room}/", cookie=cookie, base=base)
        stage(host, "call")
        host.wait_for_function(
            "() => document.querySelectorAll('#waiting-list li').length === 4", timeout=15_000
        )
        assert "Teilnehmerin1" in host.locator("#waiting-list").inner_text()
        assert "Demir" not in host.locator("#waiting-list").inner_text()  # first names only
        host.click("#admit-all")
        for page in clients:
            stage(page, "call")
        ids = [
            page.wait_for_function("() => window.sprechstundeCall.participant()").json_value()
            for page in clients
        ]
        host_id = host.evaluate("() => window.sprechstundeCall.participant()")

        growing(host, ids)
        for page, own in zip(clients, ids, strict=True):
            received = growing(page, [host_id])
            assert str(own) not in received
        # Clients let in at the same moment hear each other (each was announced while the others joined).
        growing(clients[0], ids[1:], kind="audio")
        # A client sees the host's picture, not the other clients' (they are heard, not shown).
        assert clients[0].locator(f"#feed-{host_id}:not([hidden]) video").count() == 1
        assert clients[0].locator(f"#feed-{ids[1]}:not([hidden])").count() == 0

        host.screenshot(path=screenshots / "group-call-host.png", full_page=True)
        clients[0].screenshot(path=screenshots / "group-call-client.png", full_page=True)
        muted = ids[2]
        growing(host, [muted], kind="audio")
        host.locator(f"#person-{muted} button.secondary").click()
        host.wait_for_function(f"() => document.querySelector('#person-{muted} button.secondary').disabled")
        assert stopped(host, muted, kind="audio")
        growing(host, [muted], kind="video")
        growing(host, ids[:2], kind="audio")

        removed = ids[3]
        host.locator(f"#person-{removed} button.danger").click()
        stage(clients[3], "ended")
        assert stopped(host, removed)
        growing(host, ids[:3])

        group.session.refresh_from_db()
        other = janus.create_room(group.session.janus_room + 1, publishers=2)
        stranger = janus.admit(other, until=timezone.now() + timedelta(hours=1))
        refused = clients[0].evaluate(
            """async ([url, room, token]) => {
              try {
                await window.SprechstundeJanus.join({
                  pass: { url, room, participant: 4242, token, display: "x" }, stream: null, rtc: {},
                  wants: () => false, on: {},
                });
                return "joined";
              } catch (error) { return String(error); }
            }""",
            [running_janus.url, group.session.janus_room, stranger],
        )
        janus.close_room(other)
        assert "allowed" in refused.lower()
        browser.close()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_group_call_pages_pass_axe_on_a_phone(
    settings, running_janus, monkeypatch, screenshots, language
):
    """The client waiting and in the call, the host with a waiting client and with them in, at 360×640."""
    use_janus(settings, running_janus)
    group = video_session(places=1)
    place = group.places[0]
    with launch(monkeypatch) as playwright, web_server(env=janus_environment(running_janus)) as base:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        client = open_page(browser, f"{base}/video/{place.reference}/{place.token}/", language=language)
        stage(client, "waiting")
        host = open_page(
            browser,
            f"{base}/video/raum/{group.room}/",
            cookie=session_cookie(group.host),
            base=base,
            language=language,
        )
        stage(host, "call")
        host.wait_for_function(
            "() => document.querySelectorAll('#waiting-list li').length === 1", timeout=15_000
        )
        assert client.locator("html").get_attribute("lang") == language
        accessible(client, screenshots, f"group-call-{language}-client-waiting")
        accessible(host, screenshots, f"group-call-{language}-host-waiting")
        host.click("#admit-all")
        stage(client, "call")
        host.wait_for_function(
            "() => document.querySelectorAll('#participants li').length === 1", timeout=15_000
        )
        client.locator("#videos figure:not([hidden]) video").first.wait_for(timeout=15_000)
        accessible(client, screenshots, f"group-call-{language}-client-in-call")
        accessible(host, screenshots, f"group-call-{language}-host-in-call")
        browser.close()


def sound_file(path, *, speaking: int, silent: int) -> str:
    """A WAV for Chromium's fake microphone: `speaking` seconds of a steady loud tone, then
    `silent` seconds of silence."""
    rate = 48_000
    # One period of about 440 Hz (109 samples at 48 kHz), repeated, is the tone; zero bytes are silence.
    period = array("h", (int(30_000 * math.sin(2 * math.pi * n / 109)) for n in range(109)))
    tone = (period * (rate * speaking // len(period) + 1))[: rate * speaking]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone.tobytes() + bytes(2 * rate * silent))
    return str(path)


def test_clients_see_the_host_and_whoever_speaks_not_the_others(
    settings, running_janus, monkeypatch, screenshots, tmp_path
):
    use_janus(settings, running_janus)
    group = video_session(places=2)
    speaker_place, quiet_place = group.places
    with launch(monkeypatch) as playwright, web_server(env=janus_environment(running_janus)) as base:

        def chromium(loud: bool):
            # The speaker speaks for the first 25 seconds of their page, then falls silent.
            sound = sound_file(tmp_path / f"{loud}.wav", speaking=25 if loud else 0, silent=90)
            args = [*MEDIA_ARGS, f"--use-file-for-fake-audio-capture={sound}"]
            return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)

        loud, quiet = chromium(loud=True), chromium(loud=False)
        speaker = open_page(loud, f"{base}/video/{speaker_place.reference}/{speaker_place.token}/")
        listener = open_page(quiet, f"{base}/video/{quiet_place.reference}/{quiet_place.token}/")
        host = open_page(
            quiet, f"{base}/video/raum/{group.room}/", cookie=session_cookie(group.host), base=base
        )
        host.wait_for_function(
            "() => document.querySelectorAll('#waiting-list li').length === 2", timeout=15_000
        )
        host.click("#admit-all")
        speaker_id, listener_id = (
            page.wait_for_function("() => window.sprechstundeCall.participant()").json_value()
            for page in (speaker, listener)
        )
        host_id = host.evaluate("() => window.sprechstundeCall.participant()")
        # The listener sees the host and the one who speaks; the speaker sees the host only.
        growing(listener, [host_id, speaker_id], kind="video", timeout=40)
        listener.locator(f"#feed-{speaker_id}:not([hidden]) video").wait_for(timeout=10_000)
        assert "Teilnehmerin1" in listener.locator("#speaker").inner_text()
        growing(speaker, [host_id, listener_id], kind="audio")
        assert str(listener_id) not in speaker.evaluate(RECEIVED, "video")
        listener.screenshot(path=screenshots / "group-call-speaker-shown.png", full_page=True)
        # Once they stop, their picture goes (a moment later) and its stream is let go.
        listener.locator(f"#feed-{speaker_id}[hidden]").wait_for(state="attached", timeout=45_000)
        assert stopped(listener, speaker_id, kind="video")
        growing(listener, [host_id], kind="video")
        loud.close()
        quiet.close()
