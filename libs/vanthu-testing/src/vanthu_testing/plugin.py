"""pytest plugin (entry point ``pytest11``): fixtures shared by every VanThu suite."""

import os
import shutil
import tempfile

import pytest

from vanthu_testing.fake_axis import fake_axis  # noqa: F401
from vanthu_testing.identity import dev_issuer, own_dev_issuer, token_for  # noqa: F401
from vanthu_testing.nats import nats_server  # noqa: F401
from vanthu_testing.postgres import postgres_server, postgres_url  # noqa: F401
from vanthu_testing.s3 import moto_s3, rclone_s3  # noqa: F401
from vanthu_testing.timeouts import (  # noqa: F401
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_terminal_summary,
    pytest_timeout_set_timer,
)

#: The launcher's cache of the seeded registry database (:attr:`vanthu_devstack.StackConfig.seed_cache`), one per
#: test run, shared by its xdist workers (they inherit the environment) and the launchers the tests start.
SEED_CACHE_ENV = "VANTHU_DEV_SEED_CACHE"
_made: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Every platform a test run starts copies the registry's first-start seed from one cache (made by the first
    start that seeds), instead of seeding again: some 10 s of CPU per platform."""
    if SEED_CACHE_ENV not in os.environ:
        os.environ[SEED_CACHE_ENV] = tempfile.mkdtemp(prefix="vanthu-seed-")
        _made.append(os.environ[SEED_CACHE_ENV])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order in which xdist hands whole files to its workers (``make test``: ``--dist loadfile
    --no-loadscope-reorder``), so that the two workers end together: the files with e2e tests first (they take the
    longest, the browser scenarios some 10 minutes in one file; e2e/conftest.py orders them), then those with
    integration tests, then the unit tests' files, each group's files with more tests first. The many short files
    at the end fill whichever worker is free. (xdist's own reordering, by test count only, handed the browser
    scenarios' file out near the end: one worker ran it alone for minutes while the other had nothing left.) The
    sort is stable: a file's tests keep their order, and so do e2e/conftest.py's files."""
    kind: dict[str, int] = {}
    tests: dict[str, int] = {}
    for item in items:
        name = item.nodeid.split("::", 1)[0]
        rank = 0 if item.get_closest_marker("e2e") else 1 if item.get_closest_marker("integration") else 2
        kind[name] = min(kind.get(name, rank), rank)
        tests[name] = tests.get(name, 0) + 1

    def key(item: pytest.Item) -> tuple[int, int]:
        name = item.nodeid.split("::", 1)[0]
        return kind[name], -tests[name] if kind[name] else 0

    items.sort(key=key)


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _made:
        shutil.rmtree(path, ignore_errors=True)
    _made.clear()
