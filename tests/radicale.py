"""A real CalDAV server for the own-calendar tests (Radicale, run on loopback with a temporary
storage folder and plain-text htpasswd accounts), and a calendar of a user filled on it."""

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import caldav
import requests

from tests.realtime.servers import free_port

USER, PASSWORD = "m.yilmaz", "kalender-geheim"


@dataclass
class Radicale:
    """The running server; `calendar_of` makes a calendar of the test user and fills it."""

    url: str
    process: subprocess.Popen = field(repr=False)

    def calendar_of(self, name: str, *events: str) -> str:
        """A new calendar of USER with these VCALENDAR texts in it; its address."""
        client = caldav.DAVClient(self.url, username=USER, password=PASSWORD)
        calendar = client.principal().make_calendar(name=name, cal_id=name)
        for event in events:
            calendar.save_event(event)
        return str(calendar.url)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_radicale(tmp_path: Path) -> Radicale:
    port = free_port()
    users = tmp_path / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    process = subprocess.Popen(  # noqa: S603 (the installed server, our arguments)
        [
            sys.executable,
            "-m",
            "radicale",
            f"--server-hosts=127.0.0.1:{port}",
            f"--storage-filesystem-folder={tmp_path / 'collections'}",
            "--auth-type=htpasswd",
            f"--auth-htpasswd-filename={users}",
            "--auth-htpasswd-encryption=plain",
            "--logging-level=warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    for _attempt in range(100):
        if process.poll() is not None:
            raise RuntimeError("Radicale stopped at its start")
        try:
            requests.get(url, timeout=1)
            return Radicale(url=url, process=process)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("Radicale did not answer")
