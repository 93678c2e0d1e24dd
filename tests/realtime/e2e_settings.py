"""Settings for daphne processes started by tests: the project's, with this issue's URLs mounted."""

from backend.settings import *  # noqa: F403

ROOT_URLCONF = "tests.realtime.urls"
