"""Storage throughput: upload and download of one large file through the storage service (gRPC streaming,
SHA-256 while streaming, verified reads) vs the raw baseline in the same run — a plain file copy for the local
backend and a raw ``minio`` put/get against the same S3 server (``rclone serve s3``) for the S3 backend — and the
service process's peak RSS (VmHWM) against its idle RSS.

Aim (issue 4): streaming keeps memory flat (peak RSS independent of file size) and the service path stays within
a small factor of the raw path.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).parent))
import _common
from _common import report

from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_testing.identity import DevIssuer
from vanthu_testing.ports import free_port, port_open, wait_until
from vanthu_testing.s3 import S3Server, start_rclone_s3

MiB = 1024 * 1024
CHUNK = 1 * MiB


def payload(size: int, salt: int) -> bytes:
    """A distinct PDF-looking file per run (so that no upload is deduplicated)."""
    head = b"%PDF-1.7\n" + salt.to_bytes(8, "big")
    return head + os.urandom(size - len(head))


def requests(data: bytes, name: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name, size_hint=len(data)))
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        yield storage_pb2.UploadRequest(chunk=bytes(view[start:start + CHUNK]))


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Service:
    def __init__(self, workdir: Path, issuer: str, size: int, **env: str) -> None:
        self.port = free_port()
        environment = {**os.environ, "MALLOC_ARENA_MAX": "2", "VANTHU_STORAGE_GRPC_HOST": "127.0.0.1",
                       "VANTHU_STORAGE_GRPC_PORT": str(self.port),
                       "VANTHU_STORAGE_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'storage.db'}",
                       "VANTHU_STORAGE_DATA_DIR": str(workdir / "data"), "VANTHU_EVENTS_ENABLED": "false",
                       "VANTHU_OIDC_ISSUER": issuer, "VANTHU_LOG_LEVEL": "WARNING",
                       "VANTHU_STORAGE_MAX_OBJECT_BYTES": str(size * 2), "VANTHU_STORAGE_CHUNK_BYTES": str(CHUNK),
                       **env}
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "service.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "vanthu_storage"], env=environment,
                                            stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port) or self.process.poll() is not None, timeout_s=60,
                   what="storage service")
        if self.process.poll() is not None:
            raise RuntimeError(f"the storage service exited at start-up: {self.log.read_text()[-3000:]}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}",
                                             options=[("grpc.max_receive_message_length", 8 * MiB)])
        self.stub = storage_pb2_grpc.StorageServiceStub(self.channel)

    def stop(self) -> None:
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    return min(timed(fn) for _ in range(repeat))


def service_round(service: Service, token: str, size: int, repeat: int) -> tuple[float, float]:
    metadata = (("authorization", f"Bearer {token}"),)
    ids: list[str] = []
    salt = iter(range(10_000))

    def down() -> None:
        total = sum(len(m.chunk) for m in service.stub.Download(storage_pb2.DownloadRequest(object_id=ids[-1]),
                                                                metadata=metadata))
        assert total == size

    # payload generation is excluded: time only the RPC
    up_times, down_times = [], []
    for _ in range(repeat):
        data = payload(size, next(salt))
        start = time.perf_counter()
        ids.append(service.stub.Upload(requests(data, "bench.pdf"), metadata=metadata).object.object_id)
        up_times.append(time.perf_counter() - start)
        down_times.append(timed(down))
    return min(up_times), min(down_times)


def raw_file(workdir: Path, size: int, repeat: int) -> tuple[float, float]:
    source = workdir / "source.pdf"
    source.write_bytes(payload(size, 1))
    target = workdir / "copy.pdf"

    def copy() -> None:
        shutil.copyfile(source, target)
        with target.open("rb+") as handle:
            os.fsync(handle.fileno())

    def read() -> None:
        digest = hashlib.sha256()
        with target.open("rb") as handle:
            while block := handle.read(CHUNK):
                digest.update(block)

    return best(copy, repeat), best(read, repeat)


def raw_minio(server: S3Server, size: int, repeat: int) -> tuple[float, float]:
    import io

    from minio import Minio

    client = Minio(server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False)
    bucket = "bench-raw"
    client.make_bucket(bucket)  # a fresh server: the bucket is new
    data = payload(size, 2)

    def put() -> None:
        client.put_object(bucket, "raw.pdf", io.BytesIO(data), -1, part_size=16 * MiB)

    def get() -> None:
        response = client.get_object(bucket, "raw.pdf")
        try:
            assert sum(len(b) for b in response.stream(CHUNK)) == size
        finally:
            response.close()
            response.release_conn()

    return best(put, repeat), best(get, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=64, help="file size in MiB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path (best is kept)")
    parser.add_argument("--results", type=Path, default=None, help="write results here instead of bench/results.json")
    args = parser.parse_args()
    if args.results:
        _common.RESULTS = args.results
    size = args.mib * MiB
    mb = size / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        issuer = DevIssuer(work / "keys").start()
        s3 = start_rclone_s3(work / "s3root")
        try:
            token = issuer.token("vanthu.ubnd")
            local = Service(work / "local", issuer.issuer, size)
            try:
                idle = rss_kib(local.process.pid, "VmRSS")
                up, down = service_round(local, token, size, args.repeat)
                peak = rss_kib(local.process.pid, "VmHWM")
            finally:
                local.stop()
            raw_up, raw_down = raw_file(work, size, args.repeat)
            report("storage", "upload local: service vs file copy+fsync", mb / up, mb / raw_up, "MB/s")
            report("storage", "download local: service vs file read+sha256", mb / down, mb / raw_down, "MB/s")
            report("storage", "peak RSS service (local) vs idle", peak / 1024, idle / 1024, "MiB",
                   higher_is_better=False, file_mib=args.mib)
            remote = Service(work / "s3", issuer.issuer, size, VANTHU_STORAGE_BACKEND="s3",
                             VANTHU_STORAGE_S3_ENDPOINT=s3.endpoint, VANTHU_STORAGE_S3_ACCESS_KEY=s3.access_key,
                             VANTHU_STORAGE_S3_SECRET_KEY=s3.secret_key, VANTHU_STORAGE_S3_SECURE="false",
                             VANTHU_STORAGE_S3_OBJECT_LOCK="false", VANTHU_STORAGE_S3_BUCKET="bench-service")
            try:
                idle = rss_kib(remote.process.pid, "VmRSS")
                up, down = service_round(remote, token, size, args.repeat)
                peak = rss_kib(remote.process.pid, "VmHWM")
            finally:
                remote.stop()
            raw_up, raw_down = raw_minio(s3, size, args.repeat)
            report("storage", "upload s3: service vs raw minio put", mb / up, mb / raw_up, "MB/s")
            report("storage", "download s3: service vs raw minio get", mb / down, mb / raw_down, "MB/s")
            report("storage", "peak RSS service (s3) vs idle", peak / 1024, idle / 1024, "MiB",
                   higher_is_better=False, file_mib=args.mib)
        finally:
            with contextlib.suppress(Exception):
                s3.stop()
            issuer.stop()


if __name__ == "__main__":
    main()
