"""What the Makefile's test targets hand pytest: xdist in the plugin's file order (not xdist's reordering by test
count) and an environment where Python keeps its compiled bytecode, though the caller's says otherwise. Each target
runs with a probe in place of uv (the recipe's ``$(UV) run --no-sync pytest …``) and its prerequisites taken as
made (``make -o``): nothing is installed, generated or tested."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
#: Prints what the recipe gave it: its arguments and PYTHONDONTWRITEBYTECODE (None: not set).
PROBE = (
    "import json, os, sys; print('PROBE ' + json.dumps({'argv': sys.argv[1:], "
    "'dont_write': os.environ.get('PYTHONDONTWRITEBYTECODE')}))"
)
PREREQUISITES = ("uv", "sync", "system-deps", "proto", "lint", "web-test", "web-build", "web-deps")


def probe(target: str) -> dict[str, object]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")} | {"PYTHONDONTWRITEBYTECODE": "1"}
    command = [
        "make",
        "-s",
        "--no-print-directory",
        "-C",
        str(ROOT),
        *(f"-o{p}" for p in PREREQUISITES),
        target,
        f'UV={sys.executable} -c "{PROBE}"',
        "PYTEST_ARGS=",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    return dict(json.loads(line.removeprefix("PROBE ")))


@pytest.mark.parametrize("target", ["test", "test-year-ahead"])
def test_the_ci_runs_hand_out_whole_files_in_the_plugins_order(target: str) -> None:
    if target == "test-year-ahead" and not list(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1")):
        pytest.skip("libfaketime is not installed")
    argv = probe(target)["argv"]
    assert isinstance(argv, list)
    assert argv[argv.index("--dist") + 1] == "loadfile"
    assert "--no-loadscope-reorder" in argv


@pytest.mark.parametrize("target", ["test", "test-year-ahead", "test-fast", "chart-check"])
def test_the_test_targets_keep_compiled_bytecode_where_the_environment_says_not_to(target: str) -> None:
    if target == "test-year-ahead" and not list(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1")):
        pytest.skip("libfaketime is not installed")
    assert not probe(target)["dont_write"]
