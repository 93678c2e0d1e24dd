"""Benchmarks run only when asked for: `pytest tests/bench` (or a file in it), or BENCH=1.

pyproject's `python_files` names `bench_*.py`, so a plain `pytest` would otherwise
collect them along with the tests; here they are left out of collection instead.
The figures each benchmark prints are repeated in a summary at the end of the run.
"""

import os
from pathlib import Path

import pytest

from tests.bench.helpers import REPORTED

BENCH_DIR = Path(__file__).parent.resolve()


def _benchmarks_requested(config: pytest.Config) -> bool:
    if os.environ.get("BENCH") == "1":
        return True
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if path == BENCH_DIR or BENCH_DIR in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name.startswith("bench_") and not _benchmarks_requested(config):
        return True
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if REPORTED:
        terminalreporter.section("benchmark figures")
        for line in REPORTED:
            terminalreporter.write_line(line)
