"""Gateway hop: GET /api/v1/agencies/{code} through the gateway vs a direct gRPC GetAgency to the registry
vs a bare FastAPI endpoint (same uvicorn, no auth, no downstream call), all in the same run.

Aim (issue 2): the gateway hop adds no more than 1.5 ms at p50 over the direct gRPC call.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_devstack import Stack, StackConfig
from vanthu_devstack.stack import free_port

CODE = "000.00.02.H61"
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/bare/{code}")
async def bare(code: str) -> dict[str, str]:
    return {"code": code, "name": "Sở Nội vụ tỉnh Vĩnh Long"}
"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies(call, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(min(200, n)):
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def throughput_http(url: str, headers: dict[str, str], seconds: float, concurrency: int = 16) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                (await client.get(url)).raise_for_status()
                done += 1
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / seconds


async def throughput_grpc(target: str, token: str, seconds: float, concurrency: int = 16) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    async with grpc.aio.insecure_channel(target) as channel:
        stub = registry_pb2_grpc.RegistryServiceStub(channel)
        metadata = (("authorization", f"Bearer {token}"),)

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                await stub.GetAgency(registry_pb2.GetAgencyRequest(code=CODE), metadata=metadata)
                done += 1
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="sequential requests per path for latency")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackConfig.with_free_ports(Path(tmp) / "var")).start()
        bare_port = free_port()
        app_file = Path(tmp) / "bare_app.py"
        app_file.write_text(BARE_APP)
        bare = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(bare_port),
                                 "--log-level", "warning"], cwd=tmp)
        try:
            token = httpx.post(f"{stack.issuer}/protocol/openid-connect/token",
                               data={"grant_type": "password", "client_id": "vanthu-web", "username": "vanthu.ubnd",
                                     "password": "vanthu-dev"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{bare_port}/bare/x")
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            gateway_url = f"{stack.gateway_url}/api/v1/agencies/{CODE}"
            bare_url = f"http://127.0.0.1:{bare_port}/bare/{CODE}"
            with httpx.Client(headers=headers) as client, grpc.insecure_channel(stack.grpc_target("registry")) as ch:
                stub = registry_pb2_grpc.RegistryServiceStub(ch)
                metadata = (("authorization", f"Bearer {token}"),)
                via_gateway = latencies(lambda: client.get(gateway_url).raise_for_status(), args.n)
                direct = latencies(lambda: stub.GetAgency(registry_pb2.GetAgencyRequest(code=CODE),
                                                          metadata=metadata), args.n)
                bare_http = latencies(lambda: client.get(bare_url).raise_for_status(), args.n)
            gw_p50, direct_p50, bare_p50 = (statistics.median(x) for x in (via_gateway, direct, bare_http))
            report("gateway", "p50 gateway->registry vs direct gRPC", gw_p50, direct_p50, "ms", higher_is_better=False,
                   added_ms=round(gw_p50 - direct_p50, 3))
            report("gateway", "p99 gateway->registry vs direct gRPC", percentile(via_gateway, 0.99),
                   percentile(direct, 0.99), "ms", higher_is_better=False)
            report("gateway", "p50 gateway->registry vs bare FastAPI", gw_p50, bare_p50, "ms", higher_is_better=False,
                   added_ms=round(gw_p50 - bare_p50, 3))
            report("gateway", "p99 gateway->registry vs bare FastAPI", percentile(via_gateway, 0.99),
                   percentile(bare_http, 0.99), "ms", higher_is_better=False)
            gw_rps = asyncio.run(throughput_http(gateway_url, headers, args.seconds))
            direct_rps = asyncio.run(throughput_grpc(stack.grpc_target("registry"), token, args.seconds))
            bare_rps = asyncio.run(throughput_http(bare_url, headers, args.seconds))
            report("gateway", "throughput gateway vs direct gRPC", gw_rps, direct_rps, "req/s")
            report("gateway", "throughput gateway vs bare FastAPI", gw_rps, bare_rps, "req/s")
        finally:
            bare.terminate()
            bare.wait()
            stack.stop()


if __name__ == "__main__":
    main()
