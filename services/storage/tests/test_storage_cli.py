"""``python -m vanthu_storage`` as operators and the dev launcher run it: serve with standard health
checking, scrub that exits non-zero on corruption, sweep, --help."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from vanthu_storage.__main__ import main
from vanthu_storage.backends import object_key
from vanthu_storage.domain.retention import ObjectInfo
from vanthu_storage.settings import StorageSettings
from vanthu_testing.ports import free_port, port_open, wait_until

pytestmark = pytest.mark.integration


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "VANTHU_STORAGE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
            "VANTHU_STORAGE_DATA_DIR": str(tmp_path / "data"), "VANTHU_EVENTS_ENABLED": "false",
            "VANTHU_LOG_JSON": "false", **extra}


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str) -> tuple[int, str]:
    """The command in-process (its start-up imports cost seconds in a subprocess); ``serve`` is run for real."""
    for key, value in env_for(tmp_path).items():
        if key.startswith("VANTHU_"):
            monkeypatch.setenv(key, value)
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, capsys.readouterr().out


def test_help_lists_the_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(tmp_path, monkeypatch, capsys, "--help")
    assert code == 0
    for command in ("serve", "migrate", "scrub", "sweep"):
        assert command in out


def test_scrub_exits_non_zero_and_names_the_corrupt_object(tmp_path: Path, samples, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from vanthu_storage.objects import UploadMeta
    from vanthu_storage.server import open_objects

    settings = StorageSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data")

    async def one(data: bytes) -> AsyncIterator[bytes]:
        yield data

    async def store_two() -> tuple[ObjectInfo, ObjectInfo]:
        objects, engine = await open_objects(settings)
        try:
            good, _ = await objects.upload(UploadMeta("a.pdf"), one(samples.pdf("a")), agency_code="A", actor="u")
            bad, _ = await objects.upload(UploadMeta("b.pdf"), one(samples.pdf("b")), agency_code="A", actor="u")
        finally:
            await engine.dispose()
        return good, bad

    good, bad = asyncio.run(store_two())
    code, out = run(tmp_path, monkeypatch, capsys, "scrub")
    assert code == 0, out
    assert "2 objects" in out and "0 corrupt" in out
    path = tmp_path / "data" / "objects" / object_key("A", bad.sha256)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOG"))
    code, out = run(tmp_path, monkeypatch, capsys, "scrub")
    assert code == 1
    assert f"CORRUPT {bad.object_id}" in out and good.object_id not in out
    code, out = run(tmp_path, monkeypatch, capsys, "sweep")
    assert code == 0 and "0 objects nothing refers to" in out


def test_sweep_takes_its_clock_from_now_and_keeps_what_is_referenced(tmp_path: Path, samples,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime, timedelta

    from vanthu_storage.objects import UploadMeta
    from vanthu_storage.server import open_objects

    settings = StorageSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data")

    async def one(data: bytes) -> AsyncIterator[bytes]:
        yield data

    async def store_two() -> tuple[ObjectInfo, ObjectInfo]:
        objects, engine = await open_objects(settings)
        try:
            used, _ = await objects.upload(UploadMeta("a.pdf"), one(samples.pdf("Quyết định")), agency_code="A",
                                           actor="u")
            await objects.add_reference(used.object_id, "A", "registry/document/d-1", actor="registry")
            draft, _ = await objects.upload(UploadMeta("b.pdf"), one(samples.pdf("bản nháp")), agency_code="A",
                                            actor="u")
        finally:
            await engine.dispose()
        return used, draft

    used, _draft = asyncio.run(store_two())
    code, out = run(tmp_path, monkeypatch, capsys, "sweep")  # the grace period has not passed
    assert code == 0 and "0 objects" in out
    week_ahead = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    code, out = run(tmp_path, monkeypatch, capsys, "sweep", "--now", week_ahead)
    assert code == 0 and "1 objects" in out
    stored = {p.name for p in (tmp_path / "data" / "objects").rglob("*") if p.is_file()}
    assert stored == {used.sha256}
    with pytest.raises(SystemExit):
        main(["sweep", "--now", "next week"])
    assert "not an ISO 8601 date-time" in capsys.readouterr().err


def test_serve_answers_health_checks_and_stops_on_sigterm(tmp_path: Path, dev_issuer) -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "vanthu_storage"],
                               env=env_for(tmp_path, VANTHU_STORAGE_GRPC_HOST="127.0.0.1",
                                           VANTHU_STORAGE_GRPC_PORT=str(port), VANTHU_OIDC_ISSUER=dev_issuer.issuer),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: port_open(port) or process.poll() is not None, timeout_s=30, what="storage service")
        assert process.poll() is None
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", "vanthu.storage.v1.StorageService"):
                reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
        process.terminate()
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_scrub_reports_strays_and_missing_objects_and_deletes_strays_on_request(
        tmp_path: Path, samples, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from vanthu_storage.objects import UploadMeta
    from vanthu_storage.server import open_objects

    settings = StorageSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data")

    async def one(data: bytes) -> AsyncIterator[bytes]:
        yield data

    async def store_one() -> ObjectInfo:
        objects, engine = await open_objects(settings)
        try:
            obj, _ = await objects.upload(UploadMeta("a.pdf"), one(samples.pdf("a")), agency_code="A", actor="u")
        finally:
            await engine.dispose()
        return obj

    obj = asyncio.run(store_one())
    objects_dir = tmp_path / "data" / "objects"
    stray = objects_dir / object_key("B", "ab" * 32)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(samples.pdf("stray"))
    written = time.time()  # the file system stamps real time; the clock under test may be moved (libfaketime)
    os.utime(stray, (written, written))
    code, out = run(tmp_path, monkeypatch, capsys, "scrub")
    assert code == 0, out  # a stray alone is reported, not a failure
    assert f"STRAY {object_key('B', 'ab' * 32)}" in out and "1 stray (0 deleted)" in out and "0 missing" in out
    assert stray.exists()

    (objects_dir / object_key("A", obj.sha256)).unlink()
    code, out = run(tmp_path, monkeypatch, capsys, "scrub")
    assert code == 1
    assert f"MISSING {obj.object_id}" in out and "1 missing" in out and "0 corrupt" in out

    monkeypatch.setenv("VANTHU_STORAGE_SWEEP_GRACE_HOURS", "1")
    code, out = run(tmp_path, monkeypatch, capsys, "scrub", "--delete-strays")
    assert "(0 deleted)" in out and stray.exists()  # younger than the grace period
    monkeypatch.setenv("VANTHU_STORAGE_SWEEP_GRACE_HOURS", "0")
    code, out = run(tmp_path, monkeypatch, capsys, "scrub", "--delete-strays")
    assert code == 1 and "STRAY DELETED" in out and "(1 deleted)" in out
    assert not stray.exists()
