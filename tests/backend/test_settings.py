"""Settings from the environment: the embedded default runs, production refuses to guess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.settings import envbool, envint, envlist

ROOT = Path(__file__).resolve().parents[2]


SHOWN = "print(s.DATABASES['default']['ENGINE'], s.DEBUG)"


def load_settings(show: str = SHOWN, **env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment; print what `show` says."""
    clean = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [
            sys.executable,
            "-c",
            f"import backend.settings as s; {show}",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_debug_true_alone_runs_on_sqlite_in_debug():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_debug_is_off_unless_set_so_no_environment_asks_for_a_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert load_settings(SECRET_KEY="x" * 50).stdout.split() == ["django.db.backends.sqlite3", "False"]


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_database_url_selects_postgresql():
    result = load_settings(DEBUG="false", SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@h:5432/d")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


def test_secret_key_may_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    result = load_settings(DEBUG="false", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("", True), ("Yes", True)])
def test_envbool(monkeypatch, value, expected):
    monkeypatch.setenv("FLAG", value)
    assert envbool("FLAG", True) is expected


def test_envbool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        envbool("FLAG", False)


def test_envint_and_envlist(monkeypatch):
    monkeypatch.setenv("NUMBER", "12")
    monkeypatch.setenv("HOSTS", "a.example, b.example,")
    assert envint("NUMBER", 1) == 12
    assert envlist("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured):
        envint("NUMBER", 1)


def test_single_sign_on_is_configured_by_the_environment(tmp_path):
    secret = tmp_path / "oidc-secret"
    secret.write_text("from-a-file\n")
    show = (
        "print(s.OIDC_RP_CLIENT_SECRET, s.OIDC_ROLE_MAP, s.AUTHENTICATION_BACKENDS,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'], sep='|')"
    )
    result = load_settings(
        show,
        DEBUG="true",
        OIDC_ISSUER="https://login.jobcenter.example/realms/jc/",
        OIDC_CLIENT_ID="sprechstunde",
        OIDC_CLIENT_SECRET_FILE=str(secret),
        OIDC_ROLE_MAP="jc-a-fachkraft=caseworker@a, dolmetschpool=interpreter",
        LOCAL_LOGIN="false",
    )
    assert result.returncode == 0, result.stderr
    client_secret, roles, backends, form_action = result.stdout.strip().split("|")
    assert client_secret == "from-a-file"
    assert roles == "{'jc-a-fachkraft': 'caseworker@a', 'dolmetschpool': 'interpreter'}"
    assert "ModelBackend" not in backends
    assert "frontend.sso.StaffSignIn" in backends
    assert form_action == "[\"'self'\", 'https://login.jobcenter.example']"


def test_a_pool_of_connections_replaces_persistent_ones_on_postgresql():
    show = "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d.get('OPTIONS', {}).get('pool'))"
    url = "postgres://u@127.0.0.1:5432/db"
    pooled = load_settings(show, DEBUG="true", DATABASE_URL=url, CONN_MAX_AGE="60", DB_POOL_SIZE="10")
    assert pooled.returncode == 0, pooled.stderr
    assert pooled.stdout.strip() == "0 {'min_size': 1, 'max_size': 10, 'timeout': 10}"
    assert load_settings(show, DEBUG="true", DATABASE_URL=url, CONN_MAX_AGE="60").stdout.strip() == "60 None"
    assert load_settings(show, DEBUG="true", DB_POOL_SIZE="10").stdout.strip() == "0 None"  # SQLite
