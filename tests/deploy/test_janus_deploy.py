"""Janus as deployed: one start script for systemd, compose and the tests; secrets in a private
folder; only the public API, on loopback, passed on by nginx under /janus/."""

import re
import shlex
import stat

import yaml

from tests.deploy.test_deploy_files import DEPLOY, NGINX_CONF, UNITS, location_block, unit_settings

START = DEPLOY / "janus" / "start.sh"


def test_the_running_janus_was_configured_by_start_sh_with_every_value_filled_in(running_janus):
    rendered = sorted(path.name for path in running_janus.config.glob("*.jcfg"))
    assert rendered == sorted(path.name for path in (DEPLOY / "janus").glob("*.jcfg"))
    for path in running_janus.config.glob("*.jcfg"):
        text = path.read_text()
        assert "${" not in text, path.name
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name  # secrets: owner only
    assert running_janus.token_secret in (running_janus.config / "janus.jcfg").read_text()


def test_only_the_public_api_listens_and_only_on_loopback_by_default(running_janus):
    http = (running_janus.config / "janus.transport.http.jcfg").read_text()
    assert re.search(r'^\s*ip = "127\.0\.0\.1"', http, re.M)
    assert re.search(r"^\s*admin_http = false", http, re.M)
    core = (running_janus.config / "janus.jcfg").read_text()
    assert re.search(r"^\s*token_auth = true", core, re.M)
    assert "admin_secret" not in core
    enabled = re.search(r'^\s*disable = "([^"]+)"', core, re.M).group(1)
    assert "libjanus_videoroom.so" not in enabled  # every other plugin is off


def test_the_systemd_unit_runs_start_sh_hardened_with_a_private_runtime_folder():
    settings = unit_settings(UNITS / "sprechstunde-janus.service")
    (exec_start,) = settings["ExecStart"]
    assert shlex.split(exec_start) == ["/opt/sprechstunde/app/deploy/janus/start.sh"]
    assert START.stat().st_mode & stat.S_IXUSR
    assert settings["User"] == ["sprechstunde"]
    assert settings["EnvironmentFile"] == ["/etc/sprechstunde/env"]
    assert settings["RuntimeDirectory"] == ["sprechstunde-janus"]
    assert settings["RuntimeDirectoryMode"] == ["0700"]
    assert settings["Environment"] == ["JANUS_CONFIG_DIR=/run/sprechstunde-janus"]
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert settings[key] == ["yes"], key


def test_compose_builds_janus_from_debian_and_starts_it_with_start_sh():
    service = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["janus"]
    dockerfile = (DEPLOY / "janus" / "Dockerfile").read_text()
    assert service["network_mode"] == "host"
    assert service["profiles"] == ["group-calls"]
    assert (DEPLOY / service["build"]["context"] / "Dockerfile").is_file()
    assert re.search(r"apt-get install .*\bjanus\b.*\bgettext-base\b", dockerfile)
    copied = re.search(r"^COPY (.+) /opt/sprechstunde-janus/$", dockerfile, re.M).group(1).split()
    assert all((DEPLOY / "janus" / name).is_file() for name in copied)
    assert set(copied) == {path.name for path in (DEPLOY / "janus").iterdir() if path.name != "Dockerfile"}
    assert 'ENTRYPOINT ["/opt/sprechstunde-janus/start.sh"]' in dockerfile
    assert "/run/janus" in service["tmpfs"]


def test_nginx_passes_the_public_api_on_and_nothing_of_the_admin_api():
    text = NGINX_CONF.read_text()
    block = location_block(text, "/janus/")
    assert "proxy_pass http://janus_api;" in block
    assert "limit_req zone=janus_per_address" in block
    assert "/admin" not in text
