"""The recipient picker's search on a national-size directory: 111,000 agencies in a real PostgreSQL, same run.

Project: ``AgencyStore.find`` with a typed name (``GET /api/v1/agencies?q=…&active_at=…&page_size=30``: folded
words matched in ``search_key``, ordered by code, one page), for common, rare and absent words.
Baseline: ``AgencyStore.get`` of one agency by its code (a primary-key lookup), the cheapest directory read.
Aim (issue 14): matches for a typed name within 300 ms p95 through the gateway; the store's share is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import report
from sqlalchemy import insert

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.text import fold
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import AgencyFilter, AgencyRow, AgencyStore
from vanthu_testing.postgres import PostgresServer

KINDS = ["Ủy ban nhân dân", "Sở", "Phòng", "Trường", "Trung tâm", "Ban quản lý", "Bệnh viện", "Chi cục", "Cục"]
FIELDS = ["Nội vụ", "Tài chính", "Giáo dục", "Y tế", "Tư pháp", "Xây dựng", "Công Thương", "Nông nghiệp", "Văn hóa"]
PLACES = ["Long Châu", "Vĩnh Long", "Trà Vinh", "Bến Tre", "Cần Thơ", "Hà Nội", "Đà Nẵng", "Huế", "Phước Hậu"]
QUERIES = ["so noi vu", "Long Châu", "uy ban nhan dan", "giáo dục phước hậu", "số 110999", "không có cơ quan này"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def run(n: int, rounds: int) -> None:
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="vanthu-bench-pg-"))).start()
    try:
        url = server.create_database("bench_agencies")
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        rnd = random.Random(14)
        now = datetime(2026, 11, 30, tzinfo=UTC)
        roots = [f"000.00.00.R{i:02d}" for i in range(63)]
        rows = [dict(code=c, name=f"Ủy ban nhân dân tỉnh {i}", short_name="", parent_code=None, level=1,
                     code_conforms=True, search_key=fold(f"Ủy ban nhân dân tỉnh {i}"), updated_at=now)
                for i, c in enumerate(roots)]
        for i in range(n - len(roots)):
            name = f"{rnd.choice(KINDS)} {rnd.choice(FIELDS)} {rnd.choice(PLACES)} số {i}"
            rows.append(dict(code=f"{i // 10000:03d}.{(i // 100) % 100:02d}.{i % 100:02d}.X{i:05d}", name=name,
                             short_name="", parent_code=rnd.choice(roots), level=2 + i % 3, code_conforms=True,
                             search_key=fold(name), updated_at=now))
        async with sessions() as session, session.begin():
            for start in range(0, len(rows), 5000):
                await session.execute(insert(AgencyRow), rows[start:start + 5000])
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE agencies")
        store = AgencyStore(sessions)
        day = date(2026, 11, 30)
        searches: list[float] = []
        lookups: list[float] = []
        for _ in range(rounds):
            for q in QUERIES:
                t0 = time.perf_counter()
                await store.find(AgencyFilter(text=q, active_at=day), page_size=30)
                searches.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                await store.get(str(rows[rnd.randrange(len(rows))]["code"]))
                lookups.append((time.perf_counter() - t0) * 1000)
        report("web", f"recipient search p95 ({n} agencies)", percentile(searches, 0.95), percentile(lookups, 0.95),
               "ms", higher_is_better=False, median_ms=round(statistics.median(searches), 1), aim_ms=300)
        await engine.dispose()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agencies", type=int, default=111_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.agencies, args.rounds))


if __name__ == "__main__":
    main()
