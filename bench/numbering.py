"""Issuing with gapless numbering vs plain inserts of the same rows, on a real PostgreSQL, same run.

Project: ``DocumentStore.number`` — lock the signed document, take the register's next number (counter row
locked until commit), build the symbol, update the document, write history, commit (the seal that follows is
the signing service's work, measured in ``bench/signing.py``).
Baseline: one transaction per row inserting the same finished document row (number already known).
Both run with the same number of concurrent clients. Aim (issue 3): issuing ≥ 50 % of plain inserts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.ids import new_id
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, FileRole
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.tables import DocumentRow
from vanthu_testing.postgres import PostgresServer

AGENCY = "000.00.00.H61"


async def run(n: int, clients: int) -> None:
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="vanthu-bench-pg-"))).start()
    try:
        url = server.create_database("bench_numbering")
        await migrate(MIGRATIONS, url)
        engine = create_engine(url, pool_size=clients)
        sessions = session_factory(engine)
        store = DocumentStore(sessions)
        await store.seed_types()
        register = await store.create_register(agency_code=AGENCY, direction=Direction.OUTGOING,
                                               name="Sổ văn bản đi", agency_abbreviation="UBND", type_codes=[])
        ids = []
        for _ in range(n):
            main = DocumentFile(new_id(), "cd" * 32, FileRole.MAIN, "dự thảo.pdf", "application/pdf")
            draft = Draft(direction=Direction.OUTGOING, type_code="quyet_dinh", files=[main],
                          abstract="Quyết định về việc phê duyệt kế hoạch chuyển đổi số năm 2027")
            doc_id = str((await store.create(agency_code=AGENCY, agency_name="UBND tỉnh Vĩnh Long", draft=draft,
                                             actor="bench"))["id"])
            await store.submit(agency_code=AGENCY, document_id=doc_id, actor="bench", actor_subject="")
            await store.record_signed(agency_code=AGENCY, document_id=doc_id, signed_from=main.object_id,
                                      signed=DocumentFile(new_id(), "ef" * 32, FileRole.MAIN, "ký.pdf",
                                                          "application/pdf"), actor="bench")
            ids.append(doc_id)
        issued: list[dict[str, object]] = []

        async def issue_worker(part: list[str]) -> None:
            for document_id in part:
                issued.append(await store.number(agency_code=AGENCY, document_id=document_id,
                                                 register_id=register.id, actor="bench"))

        start = time.perf_counter()
        await asyncio.gather(*(issue_worker(ids[i::clients]) for i in range(clients)))
        issue_s = time.perf_counter() - start
        numbers = sorted(int(d["number"]) for d in issued)  # type: ignore[call-overload]
        assert numbers == list(range(1, n + 1)), "numbering left a gap or a duplicate"

        template = {k: v for k, v in issued[0].items() if k not in ("id", "number", "number_symbol")}

        async def insert_worker(part: list[int]) -> None:
            for number in part:
                async with sessions() as session, session.begin():
                    session.add(DocumentRow(**template, id=new_id(), number=number + n,
                                            number_symbol=f"{number + n:02d}/QĐ-UBND"))

        start = time.perf_counter()
        await asyncio.gather(*(insert_worker(list(range(1, n + 1))[i::clients]) for i in range(clients)))
        insert_s = time.perf_counter() - start
        report("numbering", f"issue with numbering ({clients} clients, PostgreSQL)", n / issue_s, n / insert_s,
               "docs/s", n=n)
        await engine.dispose()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="documents to issue (default 1000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clerks (default 8)")
    args = parser.parse_args()
    asyncio.run(run(args.n, args.clients))


if __name__ == "__main__":
    main()
