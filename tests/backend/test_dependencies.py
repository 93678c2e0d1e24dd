"""Locked dependencies: the locks carry every pin with hashes, make installs them, pip-audit judges them."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from backend import dependencies

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_locks_carry_every_pin_of_the_requirements():
    assert dependencies.stale_pins() == []


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-runtime.lock"])
def test_every_locked_package_is_pinned_with_hashes(lock):
    text = (ROOT / lock).read_text()
    hashed = r"^(\S+)==(\S+)(?: ;[^\\\n]*)? \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)"
    entries = re.findall(hashed, text, re.M)  # a platform marker may follow the pin
    names = re.findall(r"^([A-Za-z0-9][^\s=]*)==", text, re.M)
    assert len(entries) == len(names) > 10


def test_the_runtime_lock_is_the_full_lock_without_the_tools():
    full, runtime = (
        dependencies.pins(ROOT / name) for name in ("requirements.lock", "requirements-runtime.lock")
    )
    assert runtime.items() <= full.items()
    assert "pytest" in full
    assert "pytest" not in runtime
    assert runtime["django"] == dependencies.pins(ROOT / "requirements.txt")["django"]


def test_a_pin_the_lock_lacks_or_holds_at_another_version_is_stale(tmp_path):
    (tmp_path / "requirements.txt").write_text("Django==6.1.3\npsycopg[binary]==3.3.9  # driver\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest==9.2.0\n")
    lock = "django==6.1.2 \\\n    --hash=sha256:00\npsycopg==3.3.9 \\\n    --hash=sha256:11\n"
    (tmp_path / "requirements.lock").write_text(lock)
    (tmp_path / "requirements-runtime.lock").write_text(lock)

    problems = dependencies.stale_pins(tmp_path)

    assert "requirements.txt pins django==6.1.3, requirements.lock has 6.1.2" in problems
    assert "requirements-dev.txt pins pytest==9.2.0, requirements.lock has nothing" in problems
    assert "requirements.txt pins django==6.1.3, requirements-runtime.lock has 6.1.2" in problems
    assert not any("psycopg" in problem for problem in problems)
    assert dependencies.check_locks(tmp_path) == 1


def test_make_installs_from_the_lock_with_hashes_and_tests_run_the_audit():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "check-locks" in makefile
    assert re.search(r"^test: .*\baudit\b", makefile, re.M)
    assert re.search(r"^lock:", makefile, re.M)
    assert "--generate-hashes" in makefile
    assert "install -r requirements" not in makefile.replace("--require-hashes -r", "")


def test_the_image_installs_the_runtime_lock_with_hashes():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "COPY requirements-runtime.lock" in dockerfile
    assert "pip install --require-hashes -r /tmp/requirements.lock" in dockerfile


# The audit, with pip-audit's answers faked at the one point where it is run


def fake_pip_audit(*, report: dict | None = None, stderr: str = "", returncode: int = 0):
    def run(lock, path):
        assert lock.name == "requirements.lock"
        if report is not None:
            path.write_text(json.dumps(report))
        return SimpleNamespace(returncode=returncode, stdout="", stderr=stderr)

    return run


def dependency(name, version="1.0", vulns=()):
    return {"name": name, "version": version, "vulns": list(vulns)}


VULN = {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2026-1"], "fix_versions": ["1.1"], "description": "x"}


def test_a_known_vulnerability_fails(capsys):
    report = {"dependencies": [dependency("django"), dependency("leaky", vulns=[VULN])], "fixes": []}

    assert dependencies.audit(run=fake_pip_audit(report=report, returncode=1)) == 1
    assert "VULNERABLE: leaky 1.0: GHSA-aaaa-bbbb-cccc (fixed in: 1.1)" in capsys.readouterr().err


@pytest.mark.parametrize("advisory", ["GHSA-aaaa-bbbb-cccc", "CVE-2026-1"])
def test_a_documented_ignore_passes(monkeypatch, capsys, advisory):
    monkeypatch.setattr(dependencies, "IGNORED", {advisory: "only the unused XML part is affected"})
    report = {"dependencies": [dependency("leaky", vulns=[VULN])], "fixes": []}

    assert dependencies.audit(run=fake_pip_audit(report=report, returncode=1)) == 0
    assert "no known vulnerabilities in the 1 audited packages" in capsys.readouterr().out


def test_an_unreachable_advisory_service_skips_the_audit_and_says_why(capsys):
    stderr = (
        "Traceback …\nrequests.exceptions.ConnectionError: Max retries exceeded with url: /pypi/django/json"
    )

    assert dependencies.audit(run=fake_pip_audit(stderr=stderr, returncode=1)) == 0
    out = capsys.readouterr().out
    assert out.startswith("pip-audit skipped: the advisory service could not be reached")
    assert "Max retries exceeded" in out


def test_packages_the_service_did_not_answer_for_are_reported_as_skipped(capsys):
    skipped = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    report = {"dependencies": [skipped, dependency("redis")], "fixes": []}

    assert dependencies.audit(run=fake_pip_audit(report=report)) == 0
    out = capsys.readouterr().out
    assert "no answer for 1 of the 2 locked packages, so they were skipped" in out
    assert "no known vulnerabilities in the 1 audited packages" in out


def test_any_other_failure_of_pip_audit_fails(capsys):
    assert (
        dependencies.audit(run=fake_pip_audit(stderr="error: no such option --frobnicate", returncode=2)) == 1
    )
    assert "pip-audit failed (exit 2)" in capsys.readouterr().err


def test_the_real_pip_audit_without_a_network_is_skipped_not_failed():
    dead_proxy = "http://127.0.0.1:9"
    env = {**os.environ, "HTTPS_PROXY": dead_proxy, "HTTP_PROXY": dead_proxy, "NO_PROXY": ""}

    result = subprocess.run(
        [sys.executable, "-m", "backend.dependencies", "audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "pip-audit skipped" in result.stdout or "no known vulnerabilities" in result.stdout
