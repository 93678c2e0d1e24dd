"""The dependency checks `make` runs: the locks cover the requirements, and pip-audit on the locked set.

    python -m backend.dependencies check-locks   # before `make install`: is requirements.lock current?
    python -m backend.dependencies audit         # in `make test`: known vulnerabilities in the locked set

Standard library only (`check-locks` runs before anything is installed), and no Django.

The audit asks PyPI's advisory data about every package pinned in requirements.lock. A known
vulnerability fails, unless its id is in IGNORED with the reason it does not touch us. When the
advisory service cannot be reached (offline, proxy, PyPI down) the audit is skipped, and says so and
why, instead of failing: a build must not break because a web service is away.
"""

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each lock, and the requirements whose pins it must carry at the same versions.
LOCKS = {
    "requirements.lock": ["requirements.txt", "requirements-dev.txt"],
    "requirements-runtime.lock": ["requirements.txt"],
}
AUDITED_LOCK = "requirements.lock"

# Advisories that do not apply to Sprechstunde, each with its reason (and when to look again).
# An id here is passed to pip-audit as --ignore-vuln; anything else that pip-audit finds fails.
IGNORED: dict[str, str] = {}

# What a pip-audit that could not talk to the advisory service leaves in its error output.
UNREACHABLE = re.compile(
    r"ConnectionError|ProxyError|ConnectTimeout|ReadTimeout|Timeout|Max retries exceeded|"
    r"NameResolutionError|Temporary failure in name resolution|Name or service not known|"
    r"Network is unreachable|ServiceError|SSLError|CERTIFICATE_VERIFY_FAILED"
)
AUDIT_TIMEOUT_SECONDS = 15


def _normalised(name: str) -> str:
    """A project name as PyPI compares them (PEP 503), without extras."""
    return re.sub(r"[-_.]+", "-", name.split("[", 1)[0]).lower()


def pins(path: Path, *, seen: set[Path] | None = None) -> dict[str, str]:
    """`name==version` lines of a requirements or lock file, following `-r` includes."""
    seen = seen if seen is not None else set()
    if path in seen:
        return {}
    seen.add(path)
    found: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip().removesuffix("\\").strip()
        if line.startswith(("-r ", "--requirement ")):
            found |= pins(path.parent / line.split(None, 1)[1], seen=seen)
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._\-\[\],]*)\s*==\s*([^\s;]+)", line)
        if match:
            found[_normalised(match.group(1))] = match.group(2)
    return found


def stale_pins(root: Path = ROOT) -> list[str]:
    """Each pin of a requirements file that its lock lacks or holds at another version."""
    problems = []
    for lock, sources in LOCKS.items():
        lock_path = root / lock
        if not lock_path.exists():
            problems.append(f"{lock} is missing")
            continue
        locked = pins(lock_path)
        for source in sources:
            for name, version in pins(root / source).items():
                if locked.get(name) != version:
                    has = locked.get(name, "nothing")
                    problems.append(f"{source} pins {name}=={version}, {lock} has {has}")
    return problems


def check_locks(root: Path = ROOT) -> int:
    problems = stale_pins(root)
    for problem in problems:
        print(f"Lock out of date: {problem}", file=sys.stderr)
    if problems:
        print("Run `make lock` and commit the lock files.", file=sys.stderr)
        return 1
    return 0


def _run_pip_audit(lock: Path, report: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(lock),
        "--disable-pip",  # the lock pins and hashes everything: nothing to resolve or download
        "--progress-spinner",
        "off",
        "--timeout",
        str(AUDIT_TIMEOUT_SECONDS),
        "--format",
        "json",
        "--output",
        str(report),
    ]
    for advisory in IGNORED:
        command += ["--ignore-vuln", advisory]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def audit(root: Path = ROOT, run=_run_pip_audit) -> int:
    """0 when nothing known is found (or the service is away, said so), 1 on a finding or a failure."""
    lock = root / AUDITED_LOCK
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        result = run(lock, report)
        text = report.read_text(encoding="utf-8") if report.exists() else ""
    if not text:
        errors = (result.stderr or result.stdout or "").strip()
        if UNREACHABLE.search(errors):
            reason = errors.splitlines()[-1][:300]
            print(f"pip-audit skipped: the advisory service could not be reached ({reason}).")
            return 0
        print(f"pip-audit failed (exit {result.returncode}):\n{errors}", file=sys.stderr)
        return 1
    dependencies = json.loads(text).get("dependencies", [])
    findings = [
        (dependency["name"], dependency["version"], vuln)
        for dependency in dependencies
        for vuln in dependency.get("vulns", [])
        if vuln["id"] not in IGNORED and not set(vuln.get("aliases", [])) & set(IGNORED)
    ]
    skipped = [dependency for dependency in dependencies if dependency.get("skip_reason")]
    for name, version, vuln in findings:
        fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
        print(f"VULNERABLE: {name} {version}: {vuln['id']} (fixed in: {fixed})", file=sys.stderr)
    if findings:
        print(
            "Upgrade the package (requirements*.txt, then `make lock`), or add the advisory to"
            " IGNORED in backend/dependencies.py with the reason it does not apply.",
            file=sys.stderr,
        )
        return 1
    audited = len(dependencies) - len(skipped)
    if skipped:
        example = skipped[0]["skip_reason"]
        what = "the audit was skipped" if audited == 0 else "they were skipped"
        print(
            f"pip-audit: the advisory service had no answer for {len(skipped)} of the {len(dependencies)}"
            f" locked packages, so {what} (for example: {example})."
        )
    if audited:
        print(f"pip-audit: no known vulnerabilities in the {audited} audited packages of {AUDITED_LOCK}.")
    return 0


def main(argv: list[str]) -> int:
    commands = {"check-locks": check_locks, "audit": audit}
    if len(argv) != 1 or argv[0] not in commands:
        print(f"usage: python -m backend.dependencies {{{'|'.join(commands)}}}", file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
