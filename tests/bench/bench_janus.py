"""How many participants one Janus process carries on 2 cores before the first of them receives no media.

One Janus, started as the tests start it (tests/janus.py), one room as our server makes it
(services/janus.py). A host and then participants join it one by one in Chromium with the fake
camera and microphone, each running our browser client (janus_room.js) with the call page's
(call.js) choice of streams: everyone publishes audio and a 320×240 picture at 15 frames per
second; the host takes everyone's audio and video, a participant the host's audio and video and
the other participants' audio. That last rule makes the forwarded streams grow with the square of
the room, which is what a group call does to Janus.

After each newcomer, the FIRST participant's bytes from the host are read from getStats() over
a few seconds; the run stops at the first step where they no longer grow, at MAX participants
or after MAX_SECONDS. Printed per step: what the first receives from the host, Janus' CPU (from
/proc/<pid>/stat) and RSS, and the CPU of Chromium. Chromium runs on the same 2 cores as Janus
(and whatever else runs on this machine), so the figure is for Janus and its clients on one
machine: the last line says which of them had the cores. Nothing about time is asserted.

The client is lighter than the call page: with a page per participant playing what it receives
(BENCH_JANUS_PER_PAGE=1 BENCH_JANUS_PLAY=1), the pages alone filled both cores at about ten
participants while Janus used a fifth of one. So by default four participants share a page
(one renderer process instead of four) and no stream is attached to a media element, so nothing
is played out (video is still decoded: the first's frames per second are counted). Each
participant still encodes and sends its own audio and video, and Janus receives and forwards
exactly what it would for the call page.
"""

import os
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from appointments.services import janus
from tests.bench.bench_websockets import rss_kib
from tests.bench.helpers import report
from tests.browser import CHROMIUM, MEDIA_ARGS
from tests.janus import ROOT, RunningJanus, start_janus, use_janus
from tests.realtime.browser import launch

MAX = int(os.environ.get("BENCH_JANUS_MAX", 40))
MAX_SECONDS = float(os.environ.get("BENCH_JANUS_SECONDS", 240))
# The lighter client (see above): participants per Chromium page, and whether pages play what they get.
PER_PAGE = int(os.environ.get("BENCH_JANUS_PER_PAGE", 4))
PLAY = os.environ.get("BENCH_JANUS_PLAY", "0") == "1"
WINDOW_SECONDS = 3.0
HOST = 1  # participant numbers: the host 1, participants from 2 on
CLIENT = ROOT / "realtime" / "static" / "realtime" / "janus_room.js"
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

# The page keeps its connections (janus_room.js does not hand them out): the second one a
# participant opens is its subscription, whose statistics tell video from audio.
KEEP_CONNECTIONS = """(() => {
  const Native = window.RTCPeerConnection;
  window.benchConnections = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.benchConnections.push(this); }
  };
})();"""

# As call.js enters a group call: a small picture and the call page's choice of streams.
JOIN = """async ([pass, host, play]) => {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true, video: { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { max: 15 } },
  });
  const show = (feed, track) => {
    if (!play) return;
    const element = document.createElement(track.kind);
    element.autoplay = true;
    element.srcObject = new MediaStream([track]);
    document.body.append(element);
  };
  const nothing = () => {};
  window.benchCalls = window.benchCalls || {};
  window.benchCalls[pass.participant] = await window.SprechstundeJanus.join({
    pass, stream, rtc: {},
    wants: (person, item) => pass.host || item.type === "audio" || person.id === host,
    on: { arrived: nothing, track: show, left: nothing, talking: nothing, removed: nothing, lost: nothing },
  });
}"""

# Bytes from the host (audio and video) and frames of video decoded (a client's video is the host's).
FROM_HOST = """async ([host, participant]) => {
  const bytes = (await window.benchCalls[participant].received())[host] || 0;
  let frames = 0;
  const receiving = window.benchConnections[1];
  for (const item of receiving ? (await receiving.getStats()).values() : []) {
    if (item.type === "inbound-rtp" && item.kind === "video") frames += item.framesDecoded || 0;
  }
  return [bytes, frames];
}"""


def cpu_seconds(pid: int) -> float:
    """User and system time of one process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0  # gone since the listing
    return (int(fields[11]) + int(fields[12])) / TICKS


def descendants(root: int) -> set[int]:
    """Every process below `root`: Playwright's driver and Chromium's browser, GPU and page processes."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def machine_busy_seconds() -> tuple[float, float]:
    """CPU seconds all cores spent busy, and in all, so far (first line of /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


@dataclass
class Sample:
    """One step: the first participant's reception from the host, and who used the CPU meanwhile."""

    participants: int
    kbit_s: float
    fps: float
    janus_cpu: float  # share of one core
    clients_cpu: float
    machine_cpu: float  # all processes, share of one core (at most CORES)
    janus_rss_mib: float

    @property
    def receives(self) -> bool:
        return self.kbit_s > 0

    @property
    def others_cpu(self) -> float:
        return max(self.machine_cpu - self.janus_cpu - self.clients_cpu, 0.0)

    def line(self) -> str:
        return (
            f"janus: {self.participants:2d} participants: first receives {self.kbit_s:5.0f} kbit/s, "
            f"{self.fps:4.1f} fps from the host; Janus CPU {self.janus_cpu:4.0%} of a core, "
            f"RSS {self.janus_rss_mib:.0f} MiB; Chromium {self.clients_cpu:4.0%}, "
            f"rest of machine {self.others_cpu:4.0%} (of {CORES} cores = {CORES:.0%})"
        )


class Room:
    """The room on one Janus, the host on a Chromium page of its own, participants PER_PAGE a page."""

    def __init__(self, server: RunningJanus, browser) -> None:
        self.server, self.browser = server, browser
        self.room = janus.create_room(4242, publishers=MAX + 2)
        self.pages: dict[int, object] = {}  # participant number → the page it runs in
        self.origin = server.url.removesuffix("/janus")

    def _new_page(self) -> object:
        """A page on Janus' own origin (so no CORS), with our client in it."""
        context = self.browser.new_context(permissions=["camera", "microphone"])
        context.add_init_script(KEEP_CONNECTIONS)
        context.route(
            f"{self.origin}/bench/",
            lambda route: route.fulfill(content_type="text/html", body="<!doctype html><title>bench</title>"),
        )
        page = context.new_page()
        page.goto(f"{self.origin}/bench/")
        page.add_script_tag(path=str(CLIENT))
        return page

    def enter(self, participant: int) -> None:
        """One more person joins the room, with a token our server would give them."""
        if participant == HOST or (participant - HOST - 1) % PER_PAGE == 0:
            page = self._new_page()
        else:
            page = self.pages[participant - 1]
        token = janus.admit(self.room, until=timezone.now() + timedelta(hours=1))
        call_pass = {
            "url": self.server.url,
            "room": self.room.number,
            "participant": participant,
            "token": token,
            "display": f"P{participant}",
            "host": participant == HOST,
        }
        page.evaluate(JOIN, [call_pass, HOST, PLAY])
        self.pages[participant] = page

    def from_host(self, participant: int) -> tuple[int, int]:
        return tuple(self.pages[participant].evaluate(FROM_HOST, [HOST, participant]))

    def settle(self, participant: int, timeout: float = 10) -> bool:
        """Whether the newcomer receives the host within `timeout` (its subscription answered)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.from_host(participant)[0] > 0:
                return True
            time.sleep(0.25)
        return False

    def measure(self, participants: int) -> Sample:
        first = HOST + 1
        clients = descendants(os.getpid()) - {self.server.process.pid}
        before = self.from_host(first)
        janus_before = cpu_seconds(self.server.process.pid)
        clients_before = sum(cpu_seconds(pid) for pid in clients)
        busy_before, _ = machine_busy_seconds()
        began = time.monotonic()
        time.sleep(WINDOW_SECONDS)
        after = self.from_host(first)
        elapsed = time.monotonic() - began
        busy_after, _ = machine_busy_seconds()
        return Sample(
            participants=participants,
            kbit_s=(after[0] - before[0]) * 8 / 1000 / elapsed,
            fps=(after[1] - before[1]) / elapsed,
            janus_cpu=(cpu_seconds(self.server.process.pid) - janus_before) / elapsed,
            clients_cpu=(sum(cpu_seconds(pid) for pid in clients) - clients_before) / elapsed,
            machine_cpu=(busy_after - busy_before) / elapsed,
            janus_rss_mib=rss_kib(self.server.process.pid) / 1024,
        )

    def close(self) -> None:
        for page in set(self.pages.values()):
            page.context.close()
        janus.close_room(self.room)


def limited_by(sample: Sample) -> str:
    """Who had the cores at a step: Janus, the Chromium pages, or neither (all in shares of one core)."""
    shares = (
        f"Janus {sample.janus_cpu:.0%}, Chromium {sample.clients_cpu:.0%}, rest {sample.others_cpu:.0%} "
        f"of {CORES:.0%}"
    )
    if sample.machine_cpu < 0.9 * CORES:
        return f"the cores were not full ({shares})"
    if sample.janus_cpu >= sample.clients_cpu:
        return f"Janus had the cores ({shares})"
    return f"the clients had the cores, not Janus ({shares}): the pages run on the same cores as Janus"


def test_participants_per_janus(tmp_path, settings, monkeypatch):
    # Two connections to Janus a person; each takes a media port.
    server = start_janus(tmp_path, rtp_ports=4 * (MAX + 2) + 50)
    use_janus(settings, server)
    samples: list[Sample] = []
    try:
        with launch(monkeypatch) as playwright:
            args = [*MEDIA_ARGS, "--autoplay-policy=no-user-gesture-required"]
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            room = Room(server, browser)
            began = time.monotonic()
            try:
                room.enter(HOST)
                for participants in range(1, MAX + 1):
                    room.enter(HOST + participants)
                    if not room.settle(HOST + participants):
                        report(f"janus: participant {participants} received nothing from the host")
                    sample = room.measure(participants)
                    report(sample.line())
                    samples.append(sample)
                    if not sample.receives or time.monotonic() - began > MAX_SECONDS:
                        break
            finally:
                room.close()
                browser.close()
    finally:
        server.stop()
    carried = [s for s in samples if s.receives]
    assert carried, "the first participant never received the host"
    last = samples[-1]
    ended = (
        "the first receiving nothing from the host"
        if not last.receives
        else f"the cap ({MAX} participants or {MAX_SECONDS:.0f} s)"
    )
    smooth = [s.participants for s in carried if s.fps >= 10]
    report(
        f"janus: one Janus on {CORES} cores carried {carried[-1].participants} participants and a host "
        f"({PER_PAGE} participants a Chromium page, {'playing' if PLAY else 'not playing'} what they get) "
        f"(the first still receiving the host; its video last at ≥ 10 fps with {max(smooth, default=0)}); "
        f"stopped at {last.participants} by {ended}; at that step {limited_by(last)}"
    )
