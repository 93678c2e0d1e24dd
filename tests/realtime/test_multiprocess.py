"""Two web processes on one Redis: a dashboard on one hears a cancellation on the other; a call spans them."""

import asyncio
import re
from datetime import timedelta

import aiohttp
import pytest
from django.contrib.auth import get_user_model

from tests.realtime.conftest import make_call, session_cookie
from tests.realtime.servers import web_server

pytestmark = pytest.mark.postgres

IDLE_SECONDS = 6.5


async def socket(session, base, path, cookie=None):
    headers = {"Origin": base, **({"Cookie": cookie} if cookie else {})}
    return await session.ws_connect(base.replace("http", "ws", 1) + path, headers=headers)


async def next_of(ws, kind):
    for _ in range(20):
        frame = await ws.receive_json(timeout=5)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def cancel_through(session, base, reference, token):
    """The client cancels on the booking pages, as a browser would (CSRF token and all)."""
    url = f"{base}/b/{reference}/{token}/absagen/"
    async with session.get(url) as response:
        assert response.status == 200, response.status
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', await response.text()).group(1)
    async with session.post(url, data={"csrfmiddlewaretoken": csrf}, allow_redirects=False) as response:
        assert response.status == 302, response.status


async def scenario(one, two, *, cookie, call, later):
    # unsafe=True: keep cookies from an IP address (127.0.0.1), as a browser does.
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession() as browser, aiohttp.ClientSession(cookie_jar=jar) as other:
        feed = await socket(browser, one, "/ws/staff/", cookie)
        # Idle for longer than channels-redis's 5 s blocking read: the feed must survive it.
        await asyncio.sleep(IDLE_SECONDS)
        await cancel_through(other, two, later.reference, later.token)
        event = await feed.receive_json(timeout=5)
        assert (event["type"], event["op"], event["reference"]) == (
            "appointment",
            "cancelled",
            later.reference,
        )

        staff = await socket(browser, one, f"/ws/calls/{call.room}/", cookie)
        await staff.send_json({"type": "join"})
        staff_peer = (await staff.receive_json(timeout=5))["peer"]
        client = await socket(other, two, f"/ws/calls/{call.room}/")
        await client.send_json({"type": "join", "reference": call.reference, "token": call.token})
        client_peer = (await client.receive_json(timeout=5))["peer"]
        assert (await next_of(staff, "waiting"))["peer"] == client_peer
        assert (await next_of(feed, "call"))["op"] == "client_waiting"
        await staff.send_json({"type": "admit"})
        assert (await next_of(client, "admit"))["peer"] == client_peer
        await client.send_json({"type": "offer", "to": staff_peer, "sdp": "v=0 across"})
        assert await next_of(staff, "offer") == {"type": "offer", "from": client_peer, "sdp": "v=0 across"}
        for ws in (feed, staff, client):
            await ws.close()


def test_two_processes_share_events_and_calls(shared_redis):
    call = make_call()
    later = make_call(topic=call.appointment.topic, starts_in=timedelta(days=2))
    later.appointment.caseworker = call.appointment.caseworker
    later.appointment.save(update_fields=["caseworker"])
    cookie = session_cookie(get_user_model().objects.get(caseworker=call.appointment.caseworker))
    env = {"REDIS_URL": shared_redis, "OUTBOX_DIR": ""}
    with web_server(env=env) as one, web_server(env=env) as two:
        asyncio.run(scenario(one, two, cookie=cookie, call=call, later=later))
