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


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _made:
        shutil.rmtree(path, ignore_errors=True)
    _made.clear()
