"""The launcher (``python -m vanthu_devstack up``) stops what it started wherever a stop signal lands after the
start: CI once saw a SIGHUP arrive while the "VanThu is up" announcement was printing, and every child outlived the
launcher. These run the launcher's ``main`` with a recording stand-in for :class:`~vanthu_devstack.stack.Stack`."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from vanthu_devstack import __main__ as launcher
from vanthu_devstack.stack import StackError


class RecordingStack:
    """Records start and stop; ``fail_start`` makes start() raise what it names (as Stack.start does, having
    stopped what it started)."""

    instances: ClassVar[list[RecordingStack]] = []
    fail_start: BaseException | None = None

    def __init__(self, config: Any) -> None:
        self.config = config
        self.var = config.var_dir
        self.calls: list[str] = []
        self.gateway_url = "http://127.0.0.1:1"
        self.issuer = "http://127.0.0.1:2/realms/vanthu"
        self.nats_url = "nats://127.0.0.1:3"
        self.services: list[tuple[str, str]] = [("registry", "vanthu_registry")]
        RecordingStack.instances.append(self)

    def start(self) -> RecordingStack:
        self.calls.append("start")
        if self.fail_start is not None:
            raise self.fail_start
        return self

    def stop(self) -> None:
        self.calls.append("stop")

    def grpc_target(self, name: str) -> str:
        return f"127.0.0.1:4 ({name})"

    def dead(self) -> list[Any]:
        self.calls.append("dead")
        raise AssertionError("the watch loop must not run in these tests")


@pytest.fixture
def stack_class(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[RecordingStack]]:
    RecordingStack.instances = []
    monkeypatch.setattr(launcher, "Stack", RecordingStack)
    before = {signum: signal.getsignal(signum) for signum in launcher.STOP_SIGNALS}  # main() installs its own
    yield RecordingStack
    for signum, handler in before.items():
        signal.signal(signum, handler)


def run(tmp_path: Path) -> int:
    return launcher.main(["up", "--var", str(tmp_path / "var"), "--free-ports"])


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_stop_signal_during_the_announcement_stops_the_platform(
        stack_class: type[RecordingStack], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], signum: signal.Signals) -> None:
    def announce_interrupted(stack: Any) -> None:
        print("\nVanThu is up.")
        raise launcher.Stopping(signum)  # as the handler raises it between two prints

    monkeypatch.setattr(launcher, "_announce", announce_interrupted)
    assert run(tmp_path) == 0
    (stack,) = stack_class.instances
    assert stack.calls == ["start", "stop"]
    out = capsys.readouterr().out
    assert f"stopping ({signum.name})" in out and out.rstrip().endswith("stopped.")


def test_a_signal_while_starting_leaves_the_stop_to_start_and_says_so(
        stack_class: type[RecordingStack], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(stack_class, "fail_start", launcher.Stopping(signal.SIGTERM))
    assert run(tmp_path) == 130
    (stack,) = stack_class.instances
    assert stack.calls == ["start", "stop"]  # the second stop finds nothing left (Stack.stop is idempotent)
    out = capsys.readouterr().out
    assert "interrupted while starting; stopped" in out and "stopped.\n" not in out.replace("; stopped", "")


def test_a_failed_start_reports_its_error_and_exits_1(
        stack_class: type[RecordingStack], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(stack_class, "fail_start",
                        StackError("registry did not answer on 127.0.0.1:5; last log lines: …"))
    assert run(tmp_path) == 1
    assert "VanThu could not start:\nregistry did not answer" in capsys.readouterr().err
