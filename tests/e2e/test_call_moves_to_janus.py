"""Four people in a one-to-one call in Chromium, with Janus: three talk over the mesh, the fourth
moves them all into the call's Janus room, and then each receives the other three."""

import pytest

from tests.browser import CHROMIUM, MEDIA_ARGS
from tests.e2e.test_group_call import growing
from tests.factories import CaseworkerFactory
from tests.janus import janus_environment, use_janus
from tests.realtime.browser import launch, make_party, open_page, stage, three_way_call
from tests.realtime.conftest import session_cookie
from tests.realtime.servers import web_server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PARTICIPANT = "() => window.sprechstundeCall.participant()"


def test_a_fourth_person_moves_a_mesh_call_to_janus(settings, running_janus, monkeypatch, screenshots):
    use_janus(settings, running_janus)
    party = make_party()
    office = party.call.appointment.topic.office
    colleague = session_cookie(CaseworkerFactory(office=office, is_coordinator=True).user)
    with launch(monkeypatch) as playwright, web_server(env=janus_environment(running_janus)) as base:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        three = three_way_call(browser, base, party)
        assert all(page.evaluate(PARTICIPANT) is None for page in three)  # the mesh, no Janus yet

        fourth = open_page(browser, f"{base}/video/raum/{party.call.room}/", cookie=colleague, base=base)
        stage(fourth, "call")
        pages = [*three, fourth]
        ids = [page.wait_for_function(PARTICIPANT, timeout=20_000).json_value() for page in pages]
        assert len(set(ids)) == 4
        for page, own in zip(pages, ids, strict=True):
            others = [other for other in ids if other != own]
            received = growing(page, others)
            assert str(own) not in received
            assert page.evaluate("() => Object.keys(window.sprechstundeCall.connections()).length") == 0
        fourth.screenshot(path=screenshots / "call-moved-to-janus.png", full_page=True)
        browser.close()
