"""Staff websockets at scale: one daphne on Redis, 2,000 dashboards, event delay, memory, churn.

Traps this measures around: channels-redis drops group messages silently once a channel holds
`capacity` (default 100) undelivered messages, and `group_send` costs per member; a dashboard
that reconnects must refetch its state over HTTP instead of trusting that it missed nothing.
"""

import asyncio
import os
import resource
import threading
import time
from pathlib import Path

import aiohttp
import pytest
import redis
from channels.layers import channel_layers
from django.contrib.auth import get_user_model

from appointments.events import publish_appointment
from backend.settings import redis_channel_layer
from tests.bench.helpers import report
from tests.factories import CaseworkerFactory
from tests.realtime.conftest import make_call, session_cookie
from tests.realtime.servers import daphne_process

pytestmark = pytest.mark.postgres

SOCKETS = int(os.environ.get("BENCH_WS_SOCKETS", 2000))
EVENTS = 20
CYCLES = int(os.environ.get("BENCH_WS_CYCLES", 10_000))
CONCURRENCY = 50
# Persistent database connections in daphne, as production should run it (each connect reads
# the session and the caseworker; with CONN_MAX_AGE=0 that is a new PostgreSQL connection each time).
DAPHNE_ENV = {"CONN_MAX_AGE": os.environ.get("BENCH_CONN_MAX_AGE", "60")}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.fixture
def redis_layer(settings):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
    channel_layers.backends.clear()
    yield REDIS_URL
    channel_layers.backends.clear()
    client.flushdb()
    client.close()


@pytest.fixture
def open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 3 * SOCKETS + 1000
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"needs `ulimit -n {wanted}` (hard limit is {hard})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield wanted
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Dashboards:
    """SOCKETS staff feeds held open by an event loop in a thread; the test thread publishes."""

    def __init__(self, base: str, cookie: str) -> None:
        self.base, self.cookie = base, cookie
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sockets: list = []
        self.received: dict[int, list[float]] = {}
        self.done: dict[int, threading.Event] = {}

    def run(self, coroutine, timeout: float = 600):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _connect(self, session, limit):
        async with limit:
            return await session.ws_connect(
                self.base.replace("http", "ws", 1) + "/ws/staff/",
                headers={"Origin": self.base, "Cookie": self.cookie},
            )

    async def _listen(self, ws):
        async for message in ws:
            version = message.json()["version"]
            self.received.setdefault(version, []).append(time.perf_counter())
            if len(self.received[version]) == self.expected:
                self.done[version].set()

    async def open(self, count: int) -> None:
        """Open `count` feeds, each read from the start: unanswered pings make daphne drop it."""
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        limit = asyncio.Semaphore(CONCURRENCY)
        self.listeners = []

        async def connect_and_listen():
            ws = await self._connect(self.session, limit)
            self.listeners.append(asyncio.ensure_future(self._listen(ws)))
            return ws

        self.expected = count
        self.sockets = await asyncio.gather(*(connect_and_listen() for _ in range(count)))

    async def churn(self, cycles: int) -> None:
        limit = asyncio.Semaphore(CONCURRENCY)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def one():
                ws = await self._connect(session, limit)
                await ws.close()

            for start in range(0, cycles, 1000):
                await asyncio.gather(*(one() for _ in range(min(1000, cycles - start))))

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets))
        await asyncio.gather(*self.listeners, return_exceptions=True)
        await self.session.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_two_thousand_dashboards(redis_layer, open_files):
    call = make_call()
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True)
    cookie = session_cookie(get_user_model().objects.get(pk=coordinator.user_id))
    appointment = call.appointment
    env = {**DAPHNE_ENV, "REDIS_URL": redis_layer}
    with daphne_process(env=env, open_files=open_files) as (base, process):
        dashboards = Dashboards(base, cookie)
        try:
            dashboards.run(dashboards.open(1))
            dashboards.run(dashboards.close())
            idle = rss_kib(process.pid)
            began = time.perf_counter()
            dashboards.run(dashboards.open(SOCKETS))
            opened_in = time.perf_counter() - began
            held = rss_kib(process.pid)
            report(
                f"websockets: {SOCKETS} staff feeds open in {opened_in:.1f} s "
                f"({CONCURRENCY} at a time, CONN_MAX_AGE={DAPHNE_ENV['CONN_MAX_AGE']}); "
                f"daphne RSS {idle / 1024:.0f} → {held / 1024:.0f} MiB, "
                f"{(held - idle) / SOCKETS:.1f} KiB per connection"
            )

            delays = []
            for n in range(EVENTS):
                appointment.version = 10_000 + n
                dashboards.done[appointment.version] = threading.Event()
                sent = time.perf_counter()
                publish_appointment(appointment, "rescheduled")  # autocommit: sent at once
                arrived = dashboards.done[appointment.version].wait(30)
                count = len(dashboards.received.get(appointment.version, []))
                closed = sum(ws.closed for ws in dashboards.sockets)
                assert arrived, f"event {n} reached {count} of {SOCKETS} dashboards ({closed} closed)"
                delays += [(at - sent) * 1000 for at in dashboards.received[appointment.version]]
            delays.sort()
            median, p95 = delays[len(delays) // 2], delays[int(0.95 * len(delays)) - 1]
            report(
                f"websockets: booking event to {SOCKETS} dashboards ({EVENTS} events): "
                f"median {median:.0f} ms, p95 {p95:.0f} ms, last dashboard {delays[-1]:.0f} ms"
            )
            dashboards.run(dashboards.close())
            after_close = rss_kib(process.pid)

            began = time.perf_counter()
            dashboards.run(dashboards.churn(CYCLES), timeout=1800)
            churned_in = time.perf_counter() - began
            churned = rss_kib(process.pid)
            report(
                f"websockets: {CYCLES} connect/disconnect cycles in {churned_in:.0f} s "
                f"({CYCLES / churned_in:.0f}/s); daphne RSS {after_close / 1024:.0f} → "
                f"{churned / 1024:.0f} MiB ({(churned - after_close) / 1024:+.1f} MiB)"
            )
        finally:
            dashboards.stop()
