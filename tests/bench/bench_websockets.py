"""Staff websockets at scale: 2,000 dashboards on one or two servers per channel layer, and a raw broadcast.

Traps this measures around: channels-redis's list layer drops group messages silently once a
channel holds `capacity` (default 100) undelivered messages, and its `group_send` costs one Redis
message per member; a dashboard that reconnects must refetch its state over HTTP instead of
trusting that it missed nothing.
"""

import asyncio
import contextlib
import json
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
from backend.settings import CHANNEL_LAYER, redis_channel_layer
from tests.bench.helpers import PRODUCTION_ENV, py_spy_profile, report
from tests.factories import CaseworkerFactory
from tests.realtime.conftest import make_call, session_cookie
from tests.realtime.servers import WEB_SERVER, server_process

pytestmark = pytest.mark.postgres

SOCKETS = int(os.environ.get("BENCH_WS_SOCKETS", 2000))
EVENTS = int(os.environ.get("BENCH_WS_EVENTS", 60))  # fewer make the p95 a matter of luck
CYCLES = int(os.environ.get("BENCH_WS_CYCLES", 10_000))
CONCURRENCY = 50
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
LAYERS = os.environ.get("BENCH_WS_LAYERS", "lists,pubsub").split(",")
# How each ASGI server is started (`python -m …`, the port appended): uvicorn as deployed (on
# websockets' sans-I/O protocol, the library the raw broadcast uses), and daphne, which served
# production before issue #15.
PRODUCTION = "uvicorn"
SERVERS = {
    "uvicorn": WEB_SERVER,
    "daphne": ["daphne", "-b", "127.0.0.1", "tests.realtime.e2e_asgi:application", "-p"],
}
# Every layer on the production server, the production layer on daphne too.
MEASURED = [
    (server, kind)
    for server in os.environ.get("BENCH_WS_SERVERS", ",".join(SERVERS)).split(",")
    for kind in LAYERS
    if server == PRODUCTION or kind == CHANNEL_LAYER
]
FAN_OUT_LIMIT = 2  # × the raw broadcast's p95 (issue #15)
KIB_PER_CONNECTION_LIMIT = 40
CHURN_LIMIT_MIB = 20


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.fixture
def redis_url():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    yield REDIS_URL
    channel_layers.backends.clear()
    client.flushdb()
    client.close()


def use_layer(settings, kind: str) -> None:
    """This process publishes through the same layer as the servers."""
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, kind)}
    channel_layers.backends.clear()


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
    """Feeds held open by an event loop in a thread, spread over the servers; the test thread publishes."""

    def __init__(self, bases: list[str], path: str, cookie: str = "") -> None:
        self.bases, self.path, self.cookie = bases, path, cookie
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sockets: list = []
        self.received: dict[int, list[float]] = {}
        self.done: dict[int, threading.Event] = {}

    def run(self, coroutine, timeout: float = 600):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _connect(self, session, limit, base, path=None):
        """One socket; a reset under the burst of connects (a full listen backlog) is tried again."""
        async with limit:
            for attempt in range(3):
                try:
                    return await session.ws_connect(
                        base.replace("http", "ws", 1) + (path or self.path),
                        headers={"Origin": base, **({"Cookie": self.cookie} if self.cookie else {})},
                    )
                except aiohttp.ClientOSError:
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.5)

    async def _listen(self, ws):
        async for message in ws:
            version = message.json()["version"]
            self.received.setdefault(version, []).append(time.perf_counter())
            if len(self.received[version]) == self.expected:
                self.done[version].set()

    async def open(self, count: int) -> None:
        """Open `count` feeds, each read from the start: unanswered pings make the server drop it."""
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        limit = asyncio.Semaphore(CONCURRENCY)
        self.listeners = []

        async def connect_and_listen(n):
            ws = await self._connect(self.session, limit, self.bases[n % len(self.bases)])
            self.listeners.append(asyncio.ensure_future(self._listen(ws)))
            return ws

        self.expected = count
        self.sockets = await asyncio.gather(*(connect_and_listen(n) for n in range(count)))

    async def publisher(self, path: str):
        return await self._connect(self.session, asyncio.Semaphore(1), self.bases[0], path)

    async def churn(self, cycles: int) -> None:
        limit = asyncio.Semaphore(CONCURRENCY)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def one(n):
                ws = await self._connect(session, limit, self.bases[n % len(self.bases)])
                await ws.close()

            for start in range(0, cycles, 1000):
                await asyncio.gather(*(one(n) for n in range(start, min(start + 1000, cycles))))

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets))
        await asyncio.gather(*self.listeners, return_exceptions=True)
        await self.session.close()

    def fan_out(self, publish) -> tuple[list[float], int]:
        """Milliseconds from `publish(version)` to each dashboard's frame (EVENTS events), and frames lost."""
        delays, lost = [], 0
        for n in range(EVENTS):
            version = 10_000 + n
            self.done[version] = threading.Event()
            sent = time.perf_counter()
            publish(version)
            self.done[version].wait(30)
            arrived = self.received.get(version, [])
            lost += self.expected - len(arrived)
            delays += [(at - sent) * 1000 for at in arrived]
        return sorted(delays), lost

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def percentiles(delays: list[float]) -> tuple[float, float]:
    return delays[len(delays) // 2], delays[int(0.95 * len(delays)) - 1]


def held_kib(process, dashboards: Dashboards) -> float:
    """RSS per open connection: one feed opened and closed first (code paths warm), then SOCKETS."""
    dashboards.run(dashboards.open(1))
    dashboards.run(dashboards.close())
    idle = rss_kib(process.pid)
    dashboards.run(dashboards.open(SOCKETS))
    return (rss_kib(process.pid) - idle) / SOCKETS


def raw_broadcast(open_files) -> tuple[tuple[float, float], float]:
    """The raw `websockets` server: fan-out (median, p95) and KiB per open connection."""
    with server_process(["tests.bench.raw_broadcast"], open_files=open_files) as (base, process):
        dashboards = Dashboards([base], "/dashboard")
        try:
            per_connection = held_kib(process, dashboards)
            publisher = dashboards.run(dashboards.publisher("/publish"))
            frames, _ = dashboards.fan_out(
                lambda version: dashboards.run(publisher.send_str(json.dumps({"version": version})))
            )
            dashboards.run(dashboards.close())
        finally:
            dashboards.stop()
    return percentiles(frames), per_connection


def test_two_thousand_dashboards(redis_url, open_files, settings):
    settings.SECRET_KEY = PRODUCTION_ENV["SECRET_KEY"]  # the coordinator's session must hold there
    call = make_call()
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True)
    cookie = session_cookie(get_user_model().objects.get(pk=coordinator.user_id))
    appointment = call.appointment

    def publish(version):
        appointment.version = version
        publish_appointment(appointment, "rescheduled")  # autocommit: sent at once

    (raw_median, raw_p95), raw_kib = raw_broadcast(open_files)
    report(
        f"websockets: raw `websockets` broadcast to {SOCKETS} sockets ({EVENTS} events): "
        f"median {raw_median:.0f} ms, p95 {raw_p95:.0f} ms; {raw_kib:.1f} KiB per connection"
    )
    for server, kind in MEASURED:
        use_layer(settings, kind)
        env = {**PRODUCTION_ENV, "REDIS_URL": redis_url, "CHANNEL_LAYER": kind}
        for processes in (1, 2):
            name = f"[{kind}, {processes} {server}]"
            with contextlib.ExitStack() as stack:
                servers = [
                    stack.enter_context(server_process(SERVERS[server], env=env, open_files=open_files))
                    for _ in range(processes)
                ]
                dashboards = Dashboards([base for base, _ in servers], "/ws/staff/", cookie)
                try:
                    began = time.perf_counter()
                    per_connection = held_kib(servers[0][1], dashboards) if processes == 1 else None
                    if per_connection is None:
                        dashboards.run(dashboards.open(SOCKETS))
                    opened_in = time.perf_counter() - began
                    profiled = (
                        py_spy_profile(servers[0][1], f"{server} [{kind}]", f"fan-out to {SOCKETS}")
                        if processes == 1
                        else contextlib.nullcontext()
                    )
                    with profiled:
                        delays, lost = dashboards.fan_out(publish)
                    median, p95 = percentiles(delays)
                    report(
                        f"websockets {name}: booking event to {SOCKETS} dashboards "
                        f"({EVENTS} events, {lost} frames lost): median {median:.0f} ms, p95 {p95:.0f} ms; "
                        f"limit {FAN_OUT_LIMIT}× raw p95 = {FAN_OUT_LIMIT * raw_p95:.0f} ms; "
                        f"p95 ratio to raw {p95 / raw_p95:.1f}× (opened in {opened_in:.0f} s)"
                    )
                    assert kind != CHANNEL_LAYER or not lost, "the production layer lost events"
                    if per_connection is not None:
                        report(
                            f"websockets {name}: {per_connection:.1f} KiB per open connection; "
                            f"limit {KIB_PER_CONNECTION_LIMIT} KiB; raw {raw_kib:.1f} KiB, "
                            f"ratio to raw {per_connection / raw_kib:.1f}×"
                        )
                    dashboards.run(dashboards.close())
                    if processes == 1 and kind == CHANNEL_LAYER:
                        churn(name, servers[0][1], dashboards)
                finally:
                    dashboards.stop()


def churn(name: str, process, dashboards: Dashboards) -> None:
    after_close = rss_kib(process.pid)
    began = time.perf_counter()
    dashboards.run(dashboards.churn(CYCLES), timeout=1800)
    churned_in = time.perf_counter() - began
    grown = (rss_kib(process.pid) - after_close) / 1024
    report(
        f"websockets {name}: {CYCLES} connect/disconnect cycles in "
        f"{churned_in:.0f} s ({CYCLES / churned_in:.0f}/s); RSS {after_close / 1024:.0f} MiB "
        f"{grown:+.1f} MiB; limit < {CHURN_LIMIT_MIB} MiB ({grown / CHURN_LIMIT_MIB:.0%} of it)"
    )
