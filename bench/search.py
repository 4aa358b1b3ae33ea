"""Search at 100,000 documents (issue 15), same run, same corpus, same machine.

Indexing rate — project: the service's backend (``TantivyGenerations.upsert``) in batches of 1,000 (exact and
folded fields, the symbol key, the stored source, access fields); baseline: Tantivy used directly, one text field
per document (the abstract), the same batches.
Query latency p50/p99 — project: the gRPC ``Search`` method through a real in-process server (token verified
against the dev issuer, access filter, the live generation's check, facets, snippets, a first page of 20). Two
baselines on the same index: the same work without the service — the live generation's ``TantivyBackend.search``
called directly (the same Tantivy query, count and facet aggregations, the stored documents read and their
snippets: the service's overhead) — and Tantivy's plainest search (the folded words through Tantivy's query parser
over the folded fields, top 20, no access filter, no facets: what the whole feature costs).
Aims: p99 ≤ 50 ms through the service; service overhead ≤ 1.5× direct.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import grpc
import tantivy
from _common import report

from vanthu.search.v1 import search_pb2, search_pb2_grpc
from vanthu_core.auth import JwksVerifier
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.text import fold
from vanthu_search.api import SearchApi
from vanthu_search.backends.generations import TantivyGenerations
from vanthu_search.domain.access import principals_of
from vanthu_search.domain.model import Caller, Filters, IndexedDocument
from vanthu_search.domain.query import parse
from vanthu_search.sources import Directory
from vanthu_testing.identity import DevIssuer

AGENCY = "000.00.00.H61"
SUBJECTS = ["phê duyệt đề án", "tăng cường công tác", "kế hoạch triển khai", "báo cáo tình hình", "góp ý dự thảo",
            "tuyển dụng công chức", "giải ngân vốn đầu tư công", "phòng, chống dịch bệnh", "chuyển đổi số",
            "thu hồi đất", "cải cách hành chính", "bảo đảm an ninh trật tự", "xử lý rác thải"]
OBJECTS = ["trên địa bàn tỉnh", "năm 2025", "giai đoạn 2025-2030", "các cơ quan chuyên môn", "cấp xã",
           "khu công nghiệp", "huyện Trà Ôn", "thành phố Vĩnh Long", "đơn vị sự nghiệp", "mùa khô"]
TYPES = [("QD", "QĐ"), ("CV", "UBND"), ("KH", "KH"), ("BC", "BC"), ("TB", "TB")]
QUERIES = ["chuyen doi so", "phê duyệt đề án", "\"cải cách hành chính\"", "123/QĐ", "tuyen dung cong chuc cap xa",
           "rác thải khu công nghiệp", "không có văn bản này"]


def corpus(n: int) -> list[IndexedDocument]:
    rnd = random.Random(15)
    docs = []
    for i in range(n):
        code, sign = rnd.choice(TYPES)
        docs.append(IndexedDocument(
            id=f"doc-{i}", agency_code=AGENCY if i % 10 else "000.00.02.H61",
            audience=("*",) if i % 7 else ("role:clerk", "unit:VP"), direction=rnd.choice(["incoming", "outgoing"]),
            status="registered", type_code=code, number_symbol=f"{i % 3000}/{sign}-UBND",
            abstract=f"Về việc {rnd.choice(SUBJECTS)} {rnd.choice(OBJECTS)}",
            issuing_agency_code=AGENCY, document_date=f"{2020 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            content=f"{rnd.choice(SUBJECTS)} {rnd.choice(OBJECTS)} {rnd.choice(SUBJECTS)}"))
    return docs


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def index_directly(directory: Path, docs: list[IndexedDocument], batch: int) -> tantivy.Index:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("abstract", stored=False)
    directory.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(directory))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for start in range(0, len(docs), batch):
        for doc in docs[start:start + batch]:
            writer.add_document(tantivy.Document(id=doc.id, abstract=doc.abstract))
        writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


async def run(n: int, rounds: int, batch: int, keep: Path | None) -> None:
    work = keep or Path(tempfile.mkdtemp(prefix="vanthu-bench-search-"))
    if keep is not None and (work / "service").exists():
        backend = TantivyGenerations(work / "service")  # the queries again on a kept index (no indexing measure)
    else:
        docs = corpus(n)
        t0 = time.perf_counter()
        index_directly(work / "direct", docs, batch)
        direct_rate = n / (time.perf_counter() - t0)
        backend = TantivyGenerations(work / "service")
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            backend.upsert(docs[start:start + batch])
        project_rate = n / (time.perf_counter() - t0)
        report("search", f"indexing rate ({n} documents)", project_rate, direct_rate, "docs/s")

    issuer = DevIssuer(work / "identity").start()
    verifier = JwksVerifier(issuer.issuer)
    server = GrpcServer(service="search", host="127.0.0.1", port=0, verifier=verifier,
                        service_names=["vanthu.search.v1.SearchService"])
    search_pb2_grpc.add_SearchServiceServicer_to_server(SearchApi(backend, Directory(None)), server.server)
    port = await server.start()
    metadata = bearer_metadata(issuer.token("chuyenvien.ubnd"))
    same = backend.live_backend
    direct_index = same.index
    fields = ["meta_folded", "content_folded"]
    service_ms: list[float] = []
    service_q: list[str] = []
    direct_ms: list[float] = []
    same_ms: list[float] = []
    caller = Caller(AGENCY, principals_of(issuer.subject("chuyenvien.ubnd"), ["officer"], [], "chuyenvien.ubnd"))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = search_pb2_grpc.SearchServiceStub(channel)
            for q in QUERIES:  # warm up: token verification, the JWKS cache, the readers
                await stub.Search(search_pb2.SearchRequest(query=q), metadata=metadata)
            for _ in range(rounds):
                for q in QUERIES:
                    t0 = time.perf_counter()
                    await stub.Search(search_pb2.SearchRequest(query=q), metadata=metadata)
                    service_ms.append((time.perf_counter() - t0) * 1000)
                    service_q.append(q)
                    t0 = time.perf_counter()
                    query, _errors = direct_index.parse_query_lenient(fold(q), fields)
                    searcher = direct_index.searcher()
                    hits = searcher.search(query, 20).hits
                    for _score, address in hits:
                        searcher.doc(address)
                    direct_ms.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    same.search(caller, parse(q), Filters(), sort="relevance", offset=0, limit=20)
                    same_ms.append((time.perf_counter() - t0) * 1000)
    finally:
        await server.stop(0)
        await verifier.aclose()
        issuer.stop()
        backend.close()
    for name, p in (("p50", 0.5), ("p99", 0.99)):
        report("search", f"query {name}, service vs the same Tantivy query ({n} docs)", percentile(service_ms, p),
               percentile(same_ms, p), "ms", higher_is_better=False, aim_p99_ms=50, aim_ratio=1.5,
               median_service_ms=round(statistics.median(service_ms), 2),
               slowest_queries=" | ".join(q for _ms, q in sorted(zip(service_ms, service_q, strict=True))[-5:]))
        report("search", f"query {name}, service vs Tantivy's plain search ({n} docs)", percentile(service_ms, p),
               percentile(direct_ms, p), "ms", higher_is_better=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100, help="each query this many times (a p99 of 700 samples)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the index in this directory, or reuse the one built there (queries only)")
    args = parser.parse_args()
    asyncio.run(run(args.documents, args.rounds, args.batch, args.keep))


if __name__ == "__main__":
    main()
