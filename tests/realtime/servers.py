"""Server processes (uvicorn as deployed, the raw broadcast) for browser, multi-process and benchmark tests.

SERVER_LOG=file keeps their logs.
"""

import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_database_url() -> str:
    """The URL of the database this test runs on, for other processes to share it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port}")


@contextlib.contextmanager
def server_process(module: list[str], *, env: dict[str, str] | None = None, open_files: int | None = None):
    """`python -m <module…> <port>` on a free port, in the project's environment; yields base URL, process."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": shared_database_url(),
        "DEBUG": "true",
        "OUTBOX_DIR": "",
        **(env or {}),
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def raise_open_files() -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        limit = open_files if hard == resource.RLIM_INFINITY else min(open_files, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", *module, str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["SERVER_LOG"], "ab") if os.environ.get("SERVER_LOG") else subprocess.DEVNULL,  # noqa: SIM115
        preexec_fn=raise_open_files if open_files else None,
    )
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The web server as the deploy files run it (tests/deploy/test_deploy_files.py checks those),
# on the test application with static files; the port is appended.
WEB_SERVER = [
    *("uvicorn", "tests.realtime.e2e_asgi:application", "--host", "127.0.0.1", "--http", "httptools"),
    *("--ws", "websockets-sansio", "--ws-max-size", "65536", "--ws-per-message-deflate", "false"),
    *("--no-access-log", "--lifespan", "off", "--timeout-graceful-shutdown", "5", "--port"),
]


def web_process(*, env: dict[str, str] | None = None, open_files: int | None = None):
    """A web server process serving the project (plus static files); yields its base URL and the process."""
    return server_process(WEB_SERVER, env=env, open_files=open_files)


@contextlib.contextmanager
def web_server(*, env: dict[str, str] | None = None):
    """A web server process serving the project (plus static files); yields its base URL."""
    with web_process(env=env) as (base, _process):
        yield base
