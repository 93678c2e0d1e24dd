"""A real Janus (Debian's package, videoroom plugin) for the group-call tests, started on loopback
from the same configuration templates as production (deploy/janus/)."""

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.realtime.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
START = ROOT / "deploy" / "janus" / "start.sh"


@dataclass
class RunningJanus:
    url: str
    token_secret: str
    room_admin_key: str
    config: Path
    process: subprocess.Popen = field(repr=False)
    log: Path = field(repr=False)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_janus(folder: Path, *, rtp_ports: int = 100) -> RunningJanus:
    """Janus started the way production starts it: deploy/janus/start.sh renders the templates.

    Each connection to Janus takes a media port of `rtp_ports`; a benchmark with many asks for more.
    """
    assert shutil.which("janus"), (
        "janus is missing: `make test` installs Debian's janus package (make browser)"
    )
    assert shutil.which("envsubst"), "envsubst is missing: it comes with gettext (make messages)"
    http_port = free_port()
    rtp_first = 20000 + secrets.randbelow(400) * 100
    environment = {
        "PATH": os.environ["PATH"],
        "JANUS_CONFIG_DIR": str(folder / "config"),
        "JANUS_TOKEN_SECRET": secrets.token_urlsafe(24),
        "JANUS_ROOM_ADMIN_KEY": secrets.token_urlsafe(24),
        "JANUS_HTTP_PORT": str(http_port),
        "JANUS_RTP_PORTS": f"{rtp_first}-{rtp_first + rtp_ports - 1}",
    }
    log = folder / "janus.log"
    process = subprocess.Popen(  # noqa: S603 (our own script)
        [str(START), "--log-file", str(log)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    running = RunningJanus(
        url=f"http://127.0.0.1:{http_port}/janus",
        token_secret=environment["JANUS_TOKEN_SECRET"],
        room_admin_key=environment["JANUS_ROOM_ADMIN_KEY"],
        config=Path(environment["JANUS_CONFIG_DIR"]),
        process=process,
        log=log,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"janus exited: {log.read_text() if log.exists() else ''}")
        try:
            if requests.get(f"{running.url}/info", timeout=1).ok:
                return running
        except requests.ConnectionError:
            time.sleep(0.1)
    running.stop()
    raise RuntimeError(f"janus did not answer: {log.read_text() if log.exists() else ''}")


class Participant:
    """Someone's browser as Janus sees it: a session of its own, the videoroom attached, a token."""

    def __init__(self, janus: RunningJanus, token: str) -> None:
        self.janus, self.token = janus, token
        self.session = self._post(janus.url, {"janus": "create"})["data"]["id"]
        self.handle = self._post(self._session_url, {"janus": "attach", "plugin": "janus.plugin.videoroom"})[
            "data"
        ]["id"]

    @property
    def _session_url(self) -> str:
        return f"{self.janus.url}/{self.session}"

    def _post(self, url: str, message: dict) -> dict:
        answer = requests.post(
            url, json={**message, "transaction": secrets.token_hex(6), "token": self.token}, timeout=5
        ).json()
        if answer.get("janus") == "error":
            raise PermissionError(answer["error"]["reason"])
        return answer

    def join(self, room: int, display: str, participant: int | None = None) -> dict:
        """Joins as a publisher (without media yet) and returns the plugin's answer: joined, or an error."""
        chosen = {"id": participant} if participant else {}
        self._post(
            f"{self._session_url}/{self.handle}",
            {
                "janus": "message",
                "body": {
                    "request": "join",
                    "ptype": "publisher",
                    "room": room,
                    "display": display,
                    "token": self.token,
                    **chosen,
                },
            },
        )
        return self.next_event()

    def next_event(self) -> dict:
        """The next event of the videoroom for this participant (Janus' long poll)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            events = requests.get(
                self._session_url, params={"token": self.token, "maxev": 1}, timeout=35
            ).json()
            for event in events if isinstance(events, list) else [events]:
                if event.get("janus") == "event":
                    return event["plugindata"]["data"]
        raise TimeoutError("no event from Janus")


def janus_environment(janus: RunningJanus) -> dict[str, str]:
    """The settings (as environment variables) that send our server and the browsers to this Janus."""
    return {
        "VIDEO_BACKEND": "janus",
        "JANUS_URL": janus.url,
        "JANUS_PUBLIC_URL": janus.url,
        "JANUS_TOKEN_SECRET": janus.token_secret,
        "JANUS_ROOM_ADMIN_KEY": janus.room_admin_key,
    }


def use_janus(settings, janus: RunningJanus) -> RunningJanus:
    """This test process's settings pointed at this Janus (a server process gets janus_environment)."""
    for name, value in janus_environment(janus).items():
        setattr(settings, name, value)
    return janus
