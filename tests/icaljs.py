"""Mozilla's ical.js (npm, run by node) as a third, independent reader of our .ics files."""

import json
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("read_ics.mjs")


def read_with_icaljs(ics: bytes) -> dict:
    """What ical.js makes of the file: the METHOD and per VEVENT its UID, times (in UTC, after its
    own VTIMEZONE handling), organizer and attendees with their parameters."""
    node = shutil.which("node")
    assert node, "node is missing: `make test` installs nodejs, npm and ical.js"
    finished = subprocess.run(  # noqa: S603 (our own script, the file on stdin)
        [node, str(SCRIPT)],
        input=ics,
        capture_output=True,
        check=False,
        timeout=30,
        cwd=SCRIPT.parent.parent,
    )
    assert finished.returncode == 0, finished.stderr.decode()
    return json.loads(finished.stdout)
