"""A large file through the whole platform: upload and download via the gateway (multipart in, streamed out)
to the storage service on its local backend, vs a plain file copy of the same bytes, same run; and the peak
RSS (VmHWM) of the storage service and of the gateway.

Aim (issue 4): a 1 GB file streams up and down with flat memory — the storage service's peak RSS under 150 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import _common
from _common import report

from vanthu_devstack import Stack, StackConfig

MiB = 1024 * 1024


def peak_rss_mib(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = (b"%PDF-1.7\n" + os.urandom(MiB - 9))
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = block[: min(MiB, size - written)]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
            block = os.urandom(MiB)
    return digest.hexdigest()


def chunks(response: httpx.Response) -> Iterator[bytes]:
    yield from response.iter_bytes(MiB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--results", type=Path, default=None, help="write results here instead of bench/results.json")
    args = parser.parse_args()
    if args.results:
        _common.RESULTS = args.results
    work = Path(tempfile.mkdtemp(prefix="vanthu-bench-files-"))
    try:
        source = work / "big.pdf"
        digest = make_file(source, args.mib * MiB)
        config = StackConfig.with_free_ports(work / "var", log=lambda _m: None)
        limit = str(args.mib * MiB + MiB)
        config.extra_env = {"VANTHU_GATEWAY_MAX_UPLOAD_BYTES": limit, "VANTHU_STORAGE_MAX_OBJECT_BYTES": limit}
        stack = Stack(config).start()
        try:
            pids = {p.name: p.popen.pid for p in stack.processes}
            token = httpx.post(f"{stack.issuer}/protocol/openid-connect/token", data={
                "grant_type": "password", "client_id": "vanthu-web", "username": "vanthu.ubnd",
                "password": "vanthu-dev"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            storage_idle = peak_rss_mib(pids["storage"], "VmRSS")
            with httpx.Client(base_url=stack.gateway_url, headers=headers, timeout=3600) as client:
                start = time.perf_counter()
                with source.open("rb") as handle:
                    reply = client.post("/api/v1/files", files={"file": ("big.pdf", handle, "application/pdf")})
                upload_s = time.perf_counter() - start
                reply.raise_for_status()
                stored = reply.json()["object"]
                assert stored["sha256"] == digest
                start = time.perf_counter()
                check = hashlib.sha256()
                with client.stream("GET", f"/api/v1/files/{stored['object_id']}/content") as response:
                    response.raise_for_status()
                    for piece in chunks(response):
                        check.update(piece)
                download_s = time.perf_counter() - start
                assert check.hexdigest() == digest
            storage_peak, gateway_peak = peak_rss_mib(pids["storage"]), peak_rss_mib(pids["gateway"])
        finally:
            stack.stop()
        start = time.perf_counter()
        shutil.copyfile(source, work / "copy.pdf")
        with (work / "copy.pdf").open("rb") as handle:
            os.fsync(handle.fileno())
        copy_s = time.perf_counter() - start
        size_mb = args.mib * MiB / 1e6
        report("files", f"upload via gateway, {args.mib} MiB", size_mb / upload_s, size_mb / copy_s, "MB/s")
        report("files", f"download via gateway, {args.mib} MiB", size_mb / download_s, size_mb / copy_s, "MB/s")
        report("files", f"storage peak RSS, {args.mib} MiB file", storage_peak, 150.0, "MiB (baseline: limit 150)",
               higher_is_better=False, gateway_peak_mib=round(gateway_peak, 1),
               storage_idle_mib=round(storage_idle, 1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
