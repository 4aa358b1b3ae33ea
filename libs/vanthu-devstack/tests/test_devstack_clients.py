"""The launcher gives each service its own client (issue 11, item 2): a secret per client generated once per
``var/`` (mode 0600), each process told only its own id and secret, the issuer told the whole map."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from vanthu_core.clients import SERVICE_CLIENTS
from vanthu_devstack import Stack, StackConfig

pytestmark = pytest.mark.unit


def test_each_process_gets_its_own_client_and_secret_and_the_issuer_gets_them_all(tmp_path: Path) -> None:
    stack = Stack(StackConfig.with_free_ports(tmp_path / "var"))
    issued = json.loads(stack.env("identity")["VANTHU_IDENTITY_SERVICE_CLIENTS"])
    assert set(issued) == SERVICE_CLIENTS and len(set(issued.values())) == len(SERVICE_CLIENTS)
    seen = set()
    for service in ("registry", "storage", "signing", "gateway"):
        env = stack.env(service)
        assert env["VANTHU_SERVICE_CLIENT_ID"] == f"vanthu-{service}"
        assert env["VANTHU_SERVICE_CLIENT_SECRET"] == issued[f"vanthu-{service}"]
        assert "VANTHU_IDENTITY_SERVICE_CLIENTS" not in env  # no service sees another's secret
        seen.add(env["VANTHU_SERVICE_CLIENT_SECRET"])
    assert len(seen) == 4
    for process in ("identity", "nats", ""):  # the seed command runs with no client
        assert "VANTHU_SERVICE_CLIENT_SECRET" not in stack.env(process)
    kept = tmp_path / "var" / "identity" / "service-clients.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_the_secrets_survive_a_restart_on_the_same_var_and_differ_on_another(tmp_path: Path) -> None:
    first = Stack(StackConfig.with_free_ports(tmp_path / "var")).client_secrets()
    again = Stack(StackConfig.with_free_ports(tmp_path / "var")).client_secrets()
    other = Stack(StackConfig.with_free_ports(tmp_path / "other")).client_secrets()
    assert first == again
    assert not set(first.values()) & set(other.values())
