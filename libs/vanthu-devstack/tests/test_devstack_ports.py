"""The free-port race (a platform's port taken between choosing it and its process binding it, seen as "Failed to
bind to address" from a second installation's search service while two pytest workers started platforms): a port
one process chose is not chosen again by another for a while, and a platform whose port is taken anyway (by a
process that is not ours, or by a server that even answers its health check) comes up on new ports."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from vanthu_core import ports
from vanthu_devstack import Stack, StackConfig
from vanthu_devstack.stack import PortTaken, _listens


@pytest.mark.unit
def test_a_port_another_process_chose_is_not_chosen_again_though_nothing_listens_on_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ports.tempfile, "gettempdir", lambda: str(tmp_path))
    chosen = subprocess.run(
        [sys.executable, "-c", "from vanthu_core.ports import free_port; print(free_port())"],
        capture_output=True,
        text=True,
        check=True,
        env={"TMPDIR": str(tmp_path)},
    ).stdout
    taken = int(chosen)

    def taken_first(candidates: list[int]) -> None:  # the other process's port is the first candidate here
        candidates.sort(key=lambda port: port != taken)

    monkeypatch.setattr(random, "shuffle", taken_first)
    assert ports._bindable("127.0.0.1", taken)  # nothing listens on it: only the reservation keeps it
    again = ports.free_port()
    assert again != taken
    assert ports.free_port() not in {taken, again}  # nor twice to this process


@pytest.mark.unit
def test_a_reservation_lapses_after_its_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ports.tempfile, "gettempdir", lambda: str(tmp_path))
    port = next(p for p in range(23_456, 24_000) if ports._bindable("127.0.0.1", p))
    monkeypatch.setattr(random, "shuffle", lambda candidates: candidates.sort(key=lambda c: c != port))
    assert ports.free_port() == port
    assert ports.free_port() != port  # reserved
    reservation = ports.reservations_dir() / str(port)
    lapsed = reservation.stat().st_mtime - ports.RESERVATION_S - 1
    os.utime(reservation, (lapsed, lapsed))
    assert ports.free_port() == port


class Impostor:
    """A gRPC server of someone else's on a port, answering every health check SERVING (another installation)."""

    def __init__(self, port: int) -> None:
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=[("grpc.so_reuseport", 0)])
        servicer = health.HealthServicer()
        servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, self.server)
        assert self.server.add_insecure_port(f"127.0.0.1:{port}") == port
        self.server.start()


@pytest.fixture
def squatters() -> Iterator[list[object]]:
    held: list[object] = []
    yield held
    for thing in held:
        if isinstance(thing, socket.socket):
            thing.close()
        elif isinstance(thing, Impostor):
            thing.server.stop(0)


@pytest.mark.e2e
def test_the_platform_comes_up_on_new_ports_when_others_took_the_chosen_ones(
    tmp_path: Path, squatters: list[object]
) -> None:
    lines: list[str] = []
    config = StackConfig.with_free_ports(tmp_path / "var", log=lines.append)
    config.services = ("registry",)  # enough to show it (the gateway needs the registry)
    chosen = dict(config.ports)
    plain = socket.socket()  # a process that is not a server of ours listens on the gateway's port
    plain.bind(("127.0.0.1", chosen["gateway"]))
    plain.listen()
    squatters.append(plain)
    squatters.append(Impostor(chosen["registry"]))  # and another installation's server on the registry's, healthy

    with Stack(config) as stack:
        assert stack.config.ports["registry"] != chosen["registry"]
        assert stack.config.ports["gateway"] != chosen["gateway"]
        for name in ("nats", "identity", "registry", "gateway"):  # each listens where it is said to
            assert _listens(stack.process(name).popen.pid, stack.config.ports[name]), name
        assert stack._grpc_serving(stack.grpc_target("registry"))
        assert stack._http_ok(f"{stack.gateway_url}/readyz")
        assert sum("taken meanwhile" in line for line in lines) == 1, lines


@pytest.mark.unit
def test_fixed_ports_are_not_changed_when_taken(tmp_path: Path, squatters: list[object]) -> None:
    config = StackConfig(
        var_dir=tmp_path / "var", ports=StackConfig.with_free_ports(tmp_path / "var").ports, log=lambda _line: None
    )
    plain = socket.socket()
    plain.bind(("127.0.0.1", config.ports["nats"]))
    plain.listen()
    squatters.append(plain)
    stack = Stack(config)
    with pytest.raises(PortTaken, match="nats"):
        stack.start()
    assert stack.processes == []
