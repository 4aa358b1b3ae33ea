"""One process of the stack stopped and started again (the fault tests' tool): killed or terminated, it is started
with the same command and data, keeps its place in the stop order, and :meth:`Stack.stop` still ends everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanthu_devstack import Stack, StackConfig
from vanthu_devstack.stack import StackError


@pytest.mark.parametrize("kill", [True, False])
def test_nats_server_stopped_and_started_again_keeps_its_place_and_its_data(tmp_path: Path, kill: bool) -> None:
    stack = Stack(StackConfig.with_free_ports(tmp_path / "var"))
    stack.var.mkdir(parents=True)
    try:
        first = stack._spawn("nats", [stack.nats_binary(), "-c", str(stack.nats_config())])
        sleeper = stack._spawn("sleeper", ["sleep", "60"])
        stack._wait(first, stack._ready("nats"), "nats-server")
        with pytest.raises(StackError, match="still running"):
            stack.start_service("nats")

        stack.stop_service("nats", kill=kill)
        assert first.popen.poll() is not None and not stack._port_open(stack.config.ports["nats"])
        again = stack.start_service("nats")
        assert again.popen.pid != first.popen.pid and again.argv == first.argv
        assert [p.name for p in stack.processes] == ["nats", "sleeper"]  # the same stop order
        assert stack._streams_declared()  # the JetStream store is where it was
        with pytest.raises(StackError, match="no process"):
            stack.stop_service("registry")
    finally:
        stack.stop(grace_s=5)
    assert again.popen.poll() is not None and sleeper.popen.poll() is not None
