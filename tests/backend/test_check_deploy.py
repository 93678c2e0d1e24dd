"""`manage.py check --deploy` is clean with the production environment of deploy/.env.example."""

import json
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://termine.example.org"


def production(**overrides) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "termine.example.org",
        "CSRF_TRUSTED_ORIGINS": SITE,
        "SITE_URL": SITE,
        "SMS_BACKEND": "appointments.providers.sms.TwilioBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        **overrides,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our interpreter, our arguments)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def check_deploy(**overrides) -> subprocess.CompletedProcess:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production(**overrides))


def test_check_deploy_finds_nothing_with_production_settings():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_notice_a_weakened_setting():
    # The check above can fail: without HSTS it warns (security.W004).
    result = check_deploy(SECURE_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_console_back_ends_are_refused_with_debug_off():
    result = check_deploy(
        SMS_BACKEND="appointments.providers.sms.ConsoleBackend",
        EMAIL_BACKEND="appointments.providers.mail.OutboxEmailBackend",
    )

    assert result.returncode != 0
    assert "appointments.E001" in result.stderr
    assert "appointments.E002" in result.stderr


def test_the_production_example_environment_passes_the_checks():
    example = {}
    for line in (ROOT / "deploy" / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            example[name] = value
    example = {name: value for name, value in example.items() if value and not name.startswith("TWILIO")}
    example.pop("DATABASE_URL")  # the check needs no database; compose's host does not resolve here
    example.pop("REDIS_URL")

    result = run(["manage.py", "check"], {"PATH": os.environ["PATH"], **example})

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_redirects_and_trusted_origins():
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'backend.settings'; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS,"
        " s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS)\n"
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])"
    )
    result = run(["-c", script], production())

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"False True True True True ('HTTP_X_FORWARDED_PROTO', 'https') ['{SITE}'] True DENY",
        # The calls' websocket may go to our own host only, not to any wss: address.
        "[\"'self'\", 'wss://termine.example.org']",
    ]


def test_every_web_process_behind_nginx_takes_the_client_address_that_nginx_writes():
    """uvicorn's client address is the client's (login lockouts, throttles, logs).

    Without --proxy-headers it is nginx's; uvicorn takes the first X-Forwarded-For entry from a
    trusted peer, so nginx must overwrite the header rather than append to what the client sent.
    """
    deploy = ROOT / "deploy"
    compose = yaml.safe_load((deploy / "compose.yaml").read_text())
    dockerfile_cmd = next(
        line.split(None, 1)[1]
        for line in (deploy / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD ")
    )
    unit = (deploy / "systemd" / "sprechstunde-web@.service").read_text()
    exec_start = next(line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart="))
    commands = [compose["services"]["web"]["command"], json.loads(dockerfile_cmd), shlex.split(exec_start)]

    for argv in commands:
        assert "--proxy-headers" in argv, argv
        assert "--forwarded-allow-ips" in argv, argv
    nginx = (deploy / "nginx" / "sprechstunde.conf").read_text()
    assert "$proxy_add_x_forwarded_for" not in nginx
    proxied = [
        block for block in nginx.split("location ")[1:] if "proxy_pass http://sprechstunde_web" in block
    ]
    assert len(proxied) == 2
    for block in proxied:
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in block


def test_the_web_process_refuses_the_console_back_ends_with_debug_off():
    # uvicorn runs no system checks: importing the application is where it stops.
    script = "import backend.asgi"
    refused = run(["-c", script], production(SMS_BACKEND="appointments.providers.sms.ConsoleBackend"))
    started = run(["-c", script], production())

    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "SMS_BACKEND" in refused.stderr
    assert started.returncode == 0, started.stderr
