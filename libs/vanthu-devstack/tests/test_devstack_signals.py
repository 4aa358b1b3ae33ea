"""`make dev` ends what it started whatever signal ends it (issue 11, item 11): SIGHUP (a terminal closed) and a
SIGTERM that arrives twice (``timeout`` signals the launcher and then its process group; ``make`` and ``uv run``
forward it) stop every child, and a stop interrupted by signals still leaves no child running."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vanthu_devstack.stack import SEED_CACHE_ENV


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped by whoever inherited it, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(check: Callable[[], bool], what: str, timeout_s: float, seen: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not within {timeout_s:.0f} s; last seen:\n{seen()}")


def kill_leftovers(pids: list[int]) -> None:
    """Never leave a child behind, even when the test fails (each is the leader of its own process group)."""
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


STOP_INTERRUPTED = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from vanthu_devstack.stack import Stack, StackConfig

    # a child that, told to stop, signals the launcher (SIGINT and SIGTERM) and keeps running
    STUBBORN = ("import os, signal\\n"
                "def on_term(*_):\\n"
                "    os.kill(os.getppid(), signal.SIGINT)\\n"
                "    os.kill(os.getppid(), signal.SIGTERM)\\n"
                "signal.signal(signal.SIGTERM, on_term)\\n"
                "print('ready', flush=True)\\n"
                "while True:\\n"
                "    signal.pause()\\n")
    PLAIN = "import signal\\nwhile True:\\n    signal.pause()\\n"

    stack = Stack(StackConfig(var_dir=Path(sys.argv[1]), log=lambda line: None))
    plain = stack._spawn("plain", [sys.executable, "-c", PLAIN])
    stubborn = stack._spawn("stubborn", [sys.executable, "-c", STUBBORN])
    print(plain.popen.pid, stubborn.popen.pid, flush=True)
    deadline = time.monotonic() + 30
    while "ready" not in stubborn.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.stop(grace_s=2)
    print("stopped", flush=True)
""")


@pytest.mark.integration
def test_signals_during_a_stop_do_not_abandon_any_child(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", STOP_INTERRUPTED, str(tmp_path / "var")], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    pids = [int(p) for p in run.stdout.split("\n", 1)[0].split()]
    try:
        assert len(pids) == 2, run.stdout + run.stderr
        wait_for(lambda: not any(alive(p) for p in pids), "every child gone", 10,
                 lambda: f"alive: {[p for p in pids if alive(p)]}\n{run.stdout}{run.stderr}")
        assert run.returncode == 0 and run.stdout.rstrip().endswith("stopped"), run.stdout + run.stderr
    finally:
        kill_leftovers(pids)


#: The gRPC services the launcher starts here (besides nats-server, the issuer and the gateway).
SERVICES = ("registry", "storage", "signing")


class Launcher:
    """``python -m vanthu_devstack up`` as an operator runs it (own session, so our signals reach only it)."""

    def __init__(self, var: Path) -> None:
        # the platform's processes of each kind, no more: how many services run does not change how they are stopped
        argv = [sys.executable, "-m", "vanthu_devstack", "up", "--var", str(var), "--free-ports",
                f"--services={','.join(SERVICES)}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("VANTHU_") or k == SEED_CACHE_ENV}
        self.popen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      cwd=var.parent, env=env, start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines[-60:])

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def children(self) -> dict[str, int]:
        found = (re.search(r"started (\w+) \(pid (\d+)\)", line) for line in self.lines)
        return {m.group(1): int(m.group(2)) for m in found if m}


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    started = Launcher(tmp_path / "var")
    try:
        wait_for(lambda: started.saw("VanThu is up.") or started.popen.poll() is not None, "the platform up", 300,
                 started.output)
        assert started.popen.poll() is None, started.output()
        yield started
    finally:
        if started.popen.poll() is None:
            started.popen.kill()
            started.popen.wait()
        kill_leftovers(list(started.children().values()))


@pytest.mark.e2e
@pytest.mark.parametrize("signals", [[signal.SIGHUP], [signal.SIGTERM, signal.SIGTERM]],
                         ids=["SIGHUP (terminal closed)", "SIGTERM twice (as timeout sends it)"])
def test_the_launcher_stops_every_child_it_started(launcher: Launcher, signals: list[signal.Signals]) -> None:
    children = launcher.children()
    assert set(children) == {"nats", "identity", *SERVICES, "gateway"}, launcher.output()
    os.kill(launcher.popen.pid, signals[0])
    for later in signals[1:]:  # the next one lands while the launcher is stopping
        wait_for(lambda: launcher.saw("stopping") or launcher.popen.poll() is not None, "stopping", 30,
                 launcher.output)
        os.kill(launcher.popen.pid, later)
    launcher.popen.wait(timeout=120)  # the launcher's grace is 15 s; SIGKILL follows it
    wait_for(lambda: not any(alive(p) for p in children.values()), "every child gone", 10,
             lambda: f"alive: {[n for n, p in children.items() if alive(p)]}\n{launcher.output()}")
    assert launcher.popen.returncode == 0, launcher.output()
    assert launcher.saw("stopped."), launcher.output()
