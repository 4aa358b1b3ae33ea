"""``runner.serve``: a service runs until signalled, stops cleanly, and its process then ends without the
interpreter's teardown (which cost each service 1.5-3.5 s of CPU at every platform stop)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

SERVICE = """
import asyncio, atexit, logging, os, signal, sys
from vanthu_core import runner

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
log = logging.getLogger("vanthu.test")
atexit.register(lambda: print("interpreter teardown ran", flush=True))


class Server:
    async def start(self):
        # as the launcher does, once serving (the signal handlers are set when start returns)
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)

    async def stop(self):
        log.info("đã dừng: every call drained")  # buffered output is not lost
        print("văn thư: last line", end="")
        if sys.argv[1] == "failing":
            raise RuntimeError("the database would not close")


sys.exit(runner.serve("test", Server, log))
"""


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SERVICE, mode],
        capture_output=True,
        text=True,
        timeout=120,
        env={"OTEL_SDK_DISABLED": "true", "PATH": "/usr/bin:/bin"},
    )


def test_a_clean_stop_ends_the_process_at_once_with_its_output_flushed() -> None:
    done = run("clean")
    assert done.returncode == 0, done.stderr
    assert "đã dừng: every call drained" in done.stdout and done.stdout.endswith("văn thư: last line")
    assert "interpreter teardown ran" not in done.stdout  # ended without tearing the interpreter down


def test_a_failing_stop_still_fails_with_its_traceback() -> None:
    done = run("failing")
    assert done.returncode == 1
    assert "RuntimeError: the database would not close" in done.stderr
