"""A platform's stop: the gateway first, then every service at once (each drains on its own, so a stop takes the
longest drain, not their sum), then the issuer, then nats-server; and a start reuses the registry's first-start
seed from the test run's cache instead of seeding again."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from vanthu_devstack import Stack, StackConfig

pytestmark = pytest.mark.unit

#: A process that, on SIGTERM, notes its name and then waits (at most 20 s) for the given others to note theirs
#: before it exits: under a stop that signals one process after another, it waits for its whole grace.
DRAINING = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    notes, name, others = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    def on_term(*_):
        seen = notes / "seen"
        with seen.open("a") as handle:
            alive = sorted(p.name for p in notes.glob("alive-*"))
            handle.write(f"{name} {','.join(alive)}\\n")
        (notes / f"term-{name}").touch()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all((notes / f"term-{o}").exists() for o in others):
            time.sleep(0.02)
        (notes / f"alive-{name}").unlink()
        sys.exit(0 if all((notes / f"term-{o}").exists() for o in others) else 3)
    signal.signal(signal.SIGTERM, on_term)
    (notes / f"alive-{name}").touch()
    while True:
        signal.pause()
""")


def test_the_services_are_stopped_together_between_the_gateway_and_the_issuer_and_nats(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    stack = Stack(StackConfig.with_free_ports(tmp_path / "var"))
    stack.var.mkdir(parents=True)
    services = ["registry", "storage", "signing", "search"]
    names = ["nats", "identity", *services, "gateway"]
    try:
        for name in names:
            others = [s for s in services if s != name] if name in services else []
            stack._spawn(name, [sys.executable, "-c", DRAINING, str(notes), name, *others])
        for name in names:
            stack._wait(stack.process(name), (notes / f"alive-{name}").exists, name)
        processes = list(stack.processes)
    finally:
        stack.stop(grace_s=30)
    # every service saw the others told to stop too, and exited by itself within the grace
    assert all(p.popen.returncode == 0 for p in processes), {p.name: p.popen.returncode for p in processes}
    seen = dict(line.split(" ", 1) for line in (notes / "seen").read_text().splitlines())
    order = list(seen)
    assert order[0] == "gateway" and order[-2:] == ["identity", "nats"], seen
    for service in services:  # the issuer and nats-server still ran while each service was told to stop
        assert {"alive-identity", "alive-nats"} <= set(seen[service].split(",")), seen
    assert seen["nats"] == "alive-nats", seen  # the last one: everything else had stopped


#: A process that, on SIGTERM, drains for 2 s and then exits 0.
SLOW_DRAIN = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    def on_term(*_):
        time.sleep(2)
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    Path(sys.argv[1]).touch()
    while True:
        signal.pause()
""")


@pytest.mark.parametrize(("config", "drained"), [(StackConfig.with_free_ports, True), (StackConfig.for_tests, False)])
def test_a_tests_platform_is_killed_at_its_stop_and_make_devs_drains(tmp_path: Path, config: object,
                                                                      drained: bool) -> None:
    """A test's platform (``StackConfig.for_tests``) is thrown away: its stop kills the processes instead of letting
    each drain; ``make dev``'s (the default) lets them drain within the grace."""
    assert callable(config)
    stack = Stack(config(tmp_path / "var"))
    stack.var.mkdir(parents=True)
    try:
        stack._spawn("registry", [sys.executable, "-c", SLOW_DRAIN, str(tmp_path / "up")])
        stack._wait(stack.process("registry"), (tmp_path / "up").exists, "registry")
        process = stack.process("registry")
    finally:
        stack.stop()
    assert process.popen.returncode == (0 if drained else -9)


FAKE_REGISTRY = """
import os, sys
from pathlib import Path
database = Path(os.environ["VANTHU_REGISTRY_DATABASE_URL"].split("///", 1)[1])
runs = Path(os.environ["SEED_RUNS"])
runs.write_text(runs.read_text() + "seed\\n" if runs.exists() else "seed\\n")
database.write_text(f"seeded by run {len(runs.read_text().split())}")
"""


def test_a_start_copies_the_seed_from_the_cache_made_by_the_first_and_seeds_again_when_the_registry_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "code" / "fake_registry"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(FAKE_REGISTRY)
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setenv("PYTHONPATH", str(package.parent))
    runs = tmp_path / "runs"
    monkeypatch.setenv("SEED_RUNS", str(runs))

    def seeded(var: str) -> str:
        stack = Stack(StackConfig.with_free_ports(tmp_path / var))
        stack.config.seed_cache = tmp_path / "cache"
        (stack.var / "registry").mkdir(parents=True)
        stack._seed_registry("fake_registry")
        assert (stack.var / "registry" / ".seeded").exists()
        return (stack.var / "registry" / "registry.db").read_text()

    assert seeded("first") == "seeded by run 1"
    assert seeded("second") == "seeded by run 1"  # copied: the seed did not run again
    assert runs.read_text().split() == ["seed"]
    (package / "seed.yaml").write_text("agencies: []\n")  # the registry's seed data changed
    assert seeded("third") == "seeded by run 2"
    assert seeded("fourth") == "seeded by run 2"
    assert len(list((tmp_path / "cache").iterdir())) == 2
