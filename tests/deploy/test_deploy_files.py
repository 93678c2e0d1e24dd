"""The deploy folder deploys: its files parse, and every command they name exists.

No Docker engine and no network: the compose file is checked by parsing it, always (and with
`docker compose config` too where the compose plugin is installed; it is not on the dev machine),
the systemd units with `systemd-analyze verify` where it exists, nginx with `nginx -t` where
nginx is installed. The entry point runs for real against the test database, and its health
check against a real uvicorn. `docker build` is not tested here.
"""

import base64
import contextlib
import ipaddress
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from django.core.management import get_commands
from django.db import connection
from django.urls import reverse

from tests.realtime.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI") == "true"

ASGI_APP = "backend.asgi:application"


def skip_or_fail(reason: str) -> None:
    """A missing tool skips locally; in CI nothing may be skipped silently."""
    if IN_CI:
        pytest.fail(f"CI must run this check: {reason}")
    pytest.skip(reason)


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def as_argv(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def manage_commands_in(argv: list[str]) -> list[str]:
    """`python manage.py X`, also inside `sh -c "… && python manage.py X …"`."""
    text = " ".join(argv)
    return re.findall(r"manage\.py\s+([a-z_]+)", text)


def option(argv: list[str], flag: str) -> str:
    assert flag in argv, (flag, argv)
    return argv[argv.index(flag) + 1]


def assert_server_serves_the_app(argv: list[str]) -> None:
    """uvicorn as measured in README "Benchmarks", serving the app, reading no websocket message
    beyond the project's limit, keeping no compressor per socket, logging no paths."""
    from django.conf import settings

    from realtime.protocol import MAX_FRAME_BYTES

    assert Path(argv[0]).name == "uvicorn", argv
    assert argv[-1] == ASGI_APP, argv
    # Explicit: without httptools installed, uvicorn would fall back to h11 without a word.
    assert option(argv, "--http") == "httptools"
    assert option(argv, "--ws") == "websockets-sansio"
    # uvicorn's default is 16 MiB, read into memory for anybody who opens a socket.
    limit = int(option(argv, "--ws-max-size"))
    assert limit == settings.WEBSOCKET_MAX_MESSAGE_SIZE
    assert MAX_FRAME_BYTES < limit <= 4 * MAX_FRAME_BYTES
    # On by default: a browser would negotiate a zlib context per socket (hundreds of KiB each).
    assert option(argv, "--ws-per-message-deflate") == "false"
    assert "--proxy-headers" in argv
    # Access logs would hold the manage links' tokens; Django has no lifespan; open websockets
    # must not hold up a restart for ever.
    assert "--no-access-log" in argv
    assert option(argv, "--lifespan") == "off"
    assert 0 < int(option(argv, "--timeout-graceful-shutdown")) <= 20


def test_the_asgi_application_the_deploy_files_name_exists():
    from backend import asgi

    assert callable(asgi.application)


# --- compose ---------------------------------------------------------------------------------


def test_compose_has_every_service_with_its_replicas_and_health_checks():
    spec = compose()
    services = spec["services"]

    assert "version" not in spec
    assert set(services) >= {"postgres", "redis", "migrate", "web", "worker", "tasks", "nginx", "coturn"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "postgres-data" in spec["volumes"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name

    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["web"]["environment"]["DB_POOL_SIZE"] == "10"
    assert services["web"]["environment"]["NUM_PROXIES"] == "1"

    # Migrations once, before any app process; the app processes wait for it.
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "tasks"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert services[name]["env_file"] == ".env", name
        assert "migrate" not in manage_commands_in(as_argv(services[name]["command"])), name


def test_compose_builds_the_one_image_from_files_that_exist():
    services = compose()["services"]
    for name in ("migrate", "web", "worker", "tasks"):
        build = services[name]["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == ROOT, name
        assert (context / build["dockerfile"]).is_file(), name
    assert len({services[name]["image"] for name in ("migrate", "web", "worker", "tasks")}) == 1


def test_compose_mounts_files_that_exist_and_nginx_serves_what_migrate_copies():
    services = compose()["services"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).is_file(), f"{name}: {source}"

    assert "static:/srv/static:ro" in services["nginx"]["volumes"]
    assert "static:/srv/static" in services["migrate"]["volumes"]
    assert "cp -R /app/staticfiles/. /srv/static/" in " ".join(as_argv(services["migrate"]["command"]))
    assert "alias /srv/static/;" in (DEPLOY / "nginx" / "sprechstunde.conf").read_text()
    assert {"80:80", "443:443"} <= set(services["nginx"]["ports"])
    assert services["coturn"]["network_mode"] == "host"


def test_compose_commands_exist():
    services = compose()["services"]
    assert_server_serves_the_app(as_argv(services["web"]["command"]))
    assert manage_commands_in(as_argv(services["migrate"]["command"])) == ["migrate"]
    assert manage_commands_in(as_argv(services["worker"]["command"])) == ["run_message_worker"]
    assert manage_commands_in(as_argv(services["tasks"]["command"])) == ["db_worker"]


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin) if installed, else Debian's docker-compose; neither needs an engine."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:  # noqa: S603
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_validates(tmp_path):
    command = compose_command()
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("make test installs docker-compose; CI must validate the compose file")
        pytest.skip("neither docker compose nor docker-compose is installed (the YAML checks above ran)")
    # A copy, so the test can give it a .env without touching deploy/.
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns(".env"))
    env = (DEPLOY / ".env.example").read_text() + "\nPOSTGRES_PASSWORD=test\nTURN_SECRET=test\n"
    (copy / ".env").write_text(env)
    result = subprocess.run(  # noqa: S603 (fixed programs, our own arguments)
        [*command, "-f", str(copy / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- Dockerfile and entry point --------------------------------------------------------------


def dockerfile_instruction(name: str) -> str:
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    found = [line.split(None, 1)[1] for line in lines if line.startswith(f"{name} ")]
    assert found, name
    return found[-1]


def test_the_tests_run_the_web_server_as_deployed():
    """Browser, multi-process and scale-out tests start tests/realtime/servers.WEB_SERVER: the
    deployed command's websocket and logging options, with the tests' application and address."""
    from tests.realtime.servers import WEB_SERVER

    deployed = as_argv(compose()["services"]["web"]["command"])
    for flag in ("--http", "--ws", "--ws-max-size", "--ws-per-message-deflate", "--lifespan"):
        assert option(WEB_SERVER, flag) == option(deployed, flag), flag
    assert "--no-access-log" in WEB_SERVER
    assert Path(WEB_SERVER[0]).name == Path(deployed[0]).name == "uvicorn"


def test_dockerfile_runs_uvicorn_through_the_entrypoint_as_a_non_root_user():
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.count("FROM python:3.12-slim") >= 1
    entrypoint = json.loads(dockerfile_instruction("ENTRYPOINT"))
    assert entrypoint == ["/app/deploy/entrypoint.sh"]
    assert_server_serves_the_app(json.loads(dockerfile_instruction("CMD")))
    assert dockerfile_instruction("USER") not in {"root", "0"}
    assert 'CMD ["/app/deploy/entrypoint.sh", "healthcheck"]' in text.split("HEALTHCHECK", 1)[1]
    # Built with a throwaway secret and DEBUG off; gettext only in the build stage.
    build_stage, runtime_stage = text.split("AS runtime", 1)
    assert "gettext" in build_stage
    assert "gettext" not in runtime_stage.replace("no gettext", "")
    assert "DEBUG=false" in build_stage
    assert "SECRET_KEY=" in build_stage


def test_every_manage_py_command_in_the_deploy_folder_exists():
    commands = get_commands()
    named = set()
    for path in [DEPLOY / "Dockerfile", DEPLOY / "compose.yaml", DEPLOY / "README.md"]:
        named.update(re.findall(r"manage\.py\s+([a-z_]+)", path.read_text()))
    for unit in (DEPLOY / "systemd").iterdir():
        named.update(re.findall(r"manage\.py\s+([a-z_]+)", unit.read_text()))
    assert named >= {"migrate", "collectstatic", "compilemessages", "run_message_worker", "db_worker"}
    missing = sorted(name for name in named if name not in commands)
    assert not missing, f"not management commands: {missing}"


def test_entrypoint_is_valid_bash_and_executable():
    script = DEPLOY / "entrypoint.sh"
    assert os.access(script, os.X_OK)
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)  # noqa: S603, S607
    assert result.returncode == 0, result.stderr


def run_entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(  # noqa: S603 (our own script)
        [str(DEPLOY / "entrypoint.sh"), *args], capture_output=True, text=True, env=environ, timeout=30
    )


def database_url_of_the_test_database() -> str:
    """The test database (it exists and is migrated) as a DATABASE_URL for a subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db
def test_entrypoint_waits_for_postgres_then_execs_the_command():
    if connection.vendor != "postgresql":
        skip_or_fail("needs DATABASE_URL pointing at PostgreSQL")
    result = run_entrypoint(
        "echo", "started", DATABASE_URL=database_url_of_the_test_database(), DB_WAIT_TIMEOUT="10"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "started\n"


def test_entrypoint_gives_up_when_postgres_does_not_answer():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_entrypoint(
        "echo", "started", DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/none", DB_WAIT_TIMEOUT="1"
    )
    assert result.returncode == 1
    assert "started" not in result.stdout
    assert "PostgreSQL not reachable" in result.stderr


@contextlib.contextmanager
def production_server(argv: list[str] | None = None):
    """uvicorn with DEBUG off, a real host name and the test database; yields its port and env.

    `argv`: its command as a deploy file gives it (host and port are replaced).
    """
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret",
        "SMS_BACKEND": "appointments.providers.sms.TwilioBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "ALLOWED_HOSTS": "termine.example",
        "DATABASE_URL": database_url_of_the_test_database(),
        "HEALTHCHECK_PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    options = [arg for arg in (argv or [])[1:-1]]
    for flag in ("--host", "--port"):
        if flag in options:
            del options[options.index(flag) : options.index(flag) + 2]
    server = subprocess.Popen(  # noqa: S603 (fixed programs, our own arguments)
        [str(VENV_BIN / "uvicorn"), *options, "--host", "127.0.0.1", "--port", str(port), ASGI_APP],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.2)
        yield port, env
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.django_db
def test_health_check_passes_against_uvicorn_with_production_settings():
    """DEBUG off, SSL redirect on, a real host name: the check still gets the start page."""
    with production_server() as (port, env):
        result = run_entrypoint(
            "healthcheck", **{k: env[k] for k in ("DEBUG", "ALLOWED_HOSTS")}, HEALTHCHECK_PORT=str(port)
        )
        assert result.returncode == 0, result.stderr
        wrong_host = run_entrypoint(
            "healthcheck", ALLOWED_HOSTS="elsewhere.example", HEALTHCHECK_PORT=str(port)
        )
        assert wrong_host.returncode == 1


def websocket(port: int, path: str) -> socket.socket:
    """A raw websocket handshake (no client library in the project): the socket after the 101."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: termine.example\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: https://termine.example\r\nX-Forwarded-Proto: https\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def frame_header(length: int) -> bytes:
    """A masked text frame's header and mask key (a zero mask: the payload goes as it is)."""
    if length < 126:
        size = bytes([0x80 | length])
    elif length < 1 << 16:
        size = bytes([0x80 | 126]) + length.to_bytes(2, "big")
    else:
        size = bytes([0x80 | 127]) + length.to_bytes(8, "big")
    return bytes([0x81]) + size + b"\0\0\0\0"


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionResetError("closed by the server")
            data += chunk
        return data

    first, second = exactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(exactly(2), "big")
    elif length == 127:
        length = int.from_bytes(exactly(8), "big")
    return first & 0x0F, exactly(length)


@pytest.mark.django_db
def test_uvicorn_as_deployed_refuses_a_large_websocket_message_before_reading_it():
    """Above the limit: closed with 1009 on the frame's header alone. Between the consumer's own
    limit and the server's: the call consumer answers with an error frame and stays open."""
    from django.conf import settings

    from realtime.protocol import MAX_FRAME_BYTES

    argv = json.loads(dockerfile_instruction("CMD"))
    with production_server(argv) as (port, _env):
        sock = websocket(port, "/ws/calls/some-room/")
        text = json.dumps({"type": "offer", "to": "x", "sdp": "a" * MAX_FRAME_BYTES}).encode()
        sock.sendall(frame_header(len(text)) + text)
        opcode, payload = read_frame(sock)
        assert (opcode, json.loads(payload)["code"]) == (1, "too_large")
        # Only the header and one byte: the server must refuse without waiting for the rest (with
        # uvicorn's 16 MiB default it waits, and the read below times out).
        sock.sendall(frame_header(settings.WEBSOCKET_MAX_MESSAGE_SIZE + 1) + b"{")
        try:
            opcode, payload = read_frame(sock)
        except ConnectionResetError:  # dropped at once
            pass
        else:
            assert (opcode, int.from_bytes(payload[:2], "big")) == (8, 1009)  # close: message too big
        sock.close()


# --- systemd ---------------------------------------------------------------------------------

UNITS = DEPLOY / "systemd"


def unit_settings(path: Path) -> dict[str, list[str]]:
    """Key → values (systemd allows a key more than once)."""
    settings: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


SERVICES = {
    "sprechstunde-web@.service": None,
    "sprechstunde-worker@.service": "run_message_worker",
    "sprechstunde-tasks.service": "db_worker",
}


@pytest.mark.parametrize(("name", "command"), SERVICES.items())
def test_units_run_real_commands_as_a_hardened_dedicated_user(name, command):
    settings = unit_settings(UNITS / name)
    (exec_start,) = settings["ExecStart"]
    argv = shlex.split(exec_start)
    assert argv[0].startswith("/opt/sprechstunde/venv/bin/")
    if command is None:
        assert_server_serves_the_app(argv)
        assert option(argv, "--port") == "%i"
        assert option(argv, "--host") == "127.0.0.1"
        assert option(argv, "--forwarded-allow-ips") == "127.0.0.1"  # nginx on the same machine
    else:
        assert manage_commands_in(argv) == [command]
        assert command in get_commands()
    assert settings["User"] == ["sprechstunde"]
    assert settings["EnvironmentFile"] == ["/etc/sprechstunde/env"]
    assert settings["WorkingDirectory"] == ["/opt/sprechstunde/app"]
    assert settings["Restart"] == ["on-failure"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    }.items():
        assert settings[key] == [value], key
    assert settings["PartOf"] == ["sprechstunde.target"]
    assert settings["WantedBy"] == ["sprechstunde.target"]


def test_target_wants_two_web_two_workers_and_the_task_worker():
    wants = " ".join(unit_settings(UNITS / "sprechstunde.target")["Wants"]).split()
    assert sorted(wants) == [
        "sprechstunde-tasks.service",
        "sprechstunde-web@8001.service",
        "sprechstunde-web@8002.service",
        "sprechstunde-worker@1.service",
        "sprechstunde-worker@2.service",
    ]
    for unit in wants:
        template = re.sub(r"@[^.]+\.", "@.", unit)
        assert (UNITS / template).is_file(), unit


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the units were parsed above)")
    # verify checks that ExecStart's program exists: point the units at this checkout.
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/opt/sprechstunde/venv/bin/", f"{VENV_BIN}/")
        (tmp_path / unit.name).write_text(text.replace("/opt/sprechstunde/app", str(ROOT)))
    names = [
        "sprechstunde-janus.service",
        "sprechstunde-web@8001.service",
        "sprechstunde-worker@1.service",
        "sprechstunde-tasks.service",
        "sprechstunde.target",
    ]
    result = subprocess.run(  # noqa: S603 (fixed programs, our own arguments)
        [analyze, "verify", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sprechstunde" not in result.stderr, result.stderr


# --- nginx -----------------------------------------------------------------------------------

NGINX_CONF = DEPLOY / "nginx" / "sprechstunde.conf"


def location_block(text: str, prefix: str) -> str:
    """The block in the TLS server (the last one with this prefix)."""
    blocks = re.findall(r"location " + re.escape(prefix) + r" \{(.*?)\n    \}", text, re.S)
    assert blocks, prefix
    return blocks[-1]


def test_nginx_redirects_to_https_and_proxies_websockets_with_upgrade_headers():
    text = NGINX_CONF.read_text()
    assert "return 301 https://$host$request_uri;" in text
    assert "listen 443 ssl;" in text
    assert "ssl_certificate " in text
    assert "ssl_certificate_key " in text
    assert "client_max_body_size 1m;" in text

    ws = location_block(text, "/ws/")
    assert "proxy_pass http://sprechstunde_web;" in ws
    assert "proxy_http_version 1.1;" in ws
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    assert int(re.search(r"proxy_read_timeout (\d+)s;", ws).group(1)) >= 3600
    assert "map $http_upgrade $connection_upgrade" in text

    rest = location_block(text, "/")
    for line in (
        "proxy_pass http://sprechstunde_web;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
    ):
        assert line in rest
        assert line in ws
    # Django sets these on its own responses; a second copy from nginx would clash.
    outside_static = text.replace(location_block(text, "/static/"), "")
    added = re.findall(r"^\s*add_header\s+(\S+)", outside_static, re.M)
    assert added == ["Permissions-Policy"]
    # The upstream is the compose service `web` on uvicorn's port.
    assert "server web:8000 resolve;" in text


def test_nginx_limits_websockets_per_client_address():
    text = NGINX_CONF.read_text()
    conn_zones = re.findall(r"^limit_conn_zone \$binary_remote_addr zone=(\w+):\d+m;$", text, re.M)
    rates = dict(
        re.findall(r"^limit_req_zone \$binary_remote_addr zone=(\w+):\d+m rate=(\d+)r/s;$", text, re.M)
    )
    ws = location_block(text, "/ws/")
    conn_zone, connections = re.search(r"limit_conn (\w+) (\d+);", ws).groups()
    req_zone, burst = re.search(r"limit_req zone=(\w+) burst=(\d+) nodelay;", ws).groups()
    assert conn_zone in conn_zones
    assert req_zone in rates
    # Enough for a carrier's shared IPv4 address, far too few to exhaust the web processes.
    assert 10 <= int(connections) <= 200
    assert 1 <= int(rates[req_zone]) <= 20
    assert int(burst) <= 100
    assert "limit_conn_status 429;" in text
    assert "limit_req_status 429;" in text


NGINX_AT_LEAST = (1, 27, 3)


def test_nginx_accepts_the_config(tmp_path):
    nginx = shutil.which("nginx")
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        pytest.skip("nginx (or openssl) is not installed (the config was checked as text above)")
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False).stderr  # noqa: S603
    found = tuple(int(part) for part in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version).groups())
    if found < NGINX_AT_LEAST:
        # `http2 on;` and `server … resolve;` need the nginx of the compose image, not Debian 12's.
        pytest.skip(
            f"the config needs nginx >= {'.'.join(map(str, NGINX_AT_LEAST))}; found {version.strip()}"
        )
    subprocess.run(  # noqa: S603 (a fixed binary with fixed arguments)
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test"),
            *("-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    # The VM variant (README.md): local uvicorn ports instead of Docker's DNS.
    conf = NGINX_CONF.read_text()
    conf = re.sub(r"^resolver .*$", "", conf, flags=re.M)
    conf = re.sub(
        r"^(\s+)server web:8000 resolve;$",
        r"\1server 127.0.0.1:8001;\n\1server 127.0.0.1:8002;",
        conf,
        flags=re.M,
    )
    conf = conf.replace("server host.docker.internal:8088;", "server 127.0.0.1:8088;")
    conf = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", conf)
    conf = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};", conf)
    (tmp_path / "sprechstunde.conf").write_text(conf)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        "http {\n"
        f"  access_log off;\n  client_body_temp_path {temp['body']};\n  proxy_temp_path {temp['proxy']};\n"
        f"  fastcgi_temp_path {temp['fastcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
        f"  scgi_temp_path {temp['scgi']};\n  include {tmp_path / 'sprechstunde.conf'};\n}}\n"
    )
    result = subprocess.run(  # noqa: S603 (fixed programs, our own arguments)
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


# --- coturn ----------------------------------------------------------------------------------

TURNSERVER_CONF = DEPLOY / "coturn" / "turnserver.conf"

# Where a relay must never go: every IANA special-purpose range that is not the public internet.
NOT_THE_INTERNET = [
    *("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12"),
    *("192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15"),
    *("198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32"),
    *("::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64"),
    *("2001::/32", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8"),
]


def turnserver_options() -> list[tuple[str, str]]:
    options = []
    for raw in TURNSERVER_CONF.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            options.append((key.strip(), value.strip()))
    return options


def test_coturn_relays_udp_only_with_a_quota_per_participant():
    options = dict(turnserver_options())
    assert "no-tcp-relay" in options
    assert 1 <= int(options["user-quota"]) <= 20
    assert int(options["total-quota"]) >= int(options["user-quota"])
    assert "use-auth-secret" in options
    assert "static-auth-secret" not in options  # the secret stays out of the file
    assert "allow-loopback-peers" not in options
    assert "allowed-peer-ip" not in options  # nothing re-opens a denied range


@pytest.mark.parametrize("network", NOT_THE_INTERNET)
def test_coturn_denies_every_private_and_special_range(network):
    denied = []
    for key, value in turnserver_options():
        if key == "denied-peer-ip":
            first, _, last = value.partition("-")
            denied.append((ipaddress.ip_address(first), ipaddress.ip_address(last or first)))
    net = ipaddress.ip_network(network)
    for address in (net[0], net[net.num_addresses // 2], net[-1]):
        assert any(first.version == address.version and first <= address <= last for first, last in denied), (
            f"{address} ({network}) is not in a denied-peer-ip range"
        )


def test_nginx_logs_the_sign_in_callback_without_its_one_time_code():
    text = NGINX_CONF.read_text()
    without_query = re.search(r"log_format without_query (.*?);", text, re.S).group(1)
    assert "$uri" in without_query
    for with_query in ("$request ", '$request"', "$request_uri", "$args", "$query_string"):
        assert with_query not in without_query
    callback = reverse("sso-callback")
    assert re.search(rf"map \$uri \$log_with_query \{{\s*{re.escape(callback)} 0;\s*default\s+1;", text)
    assert re.search(rf"map \$uri \$log_without_query \{{\s*{re.escape(callback)} 1;\s*default\s+0;", text)
    assert "access_log /var/log/nginx/access.log combined if=$log_with_query;" in text
    assert "access_log /var/log/nginx/access.log without_query if=$log_without_query;" in text
