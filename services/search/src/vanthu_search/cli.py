"""``vanthu-search``: serve (default), or ``reindex``: rebuild the index from the registry, with a progress bar,
resuming where a stopped run left off."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2
from vanthu_core import runner
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_search.backends import generations
from vanthu_search.backends.base import Backend
from vanthu_search.backends.opensearch_backend import OpenSearchBackend
from vanthu_search.backends.tantivy_backend import TantivyBackend
from vanthu_search.server import SearchServer, Wiring, wire
from vanthu_search.settings import SearchSettings

log = logging.getLogger("vanthu.search")


class Progress:
    """Where a reindex stands (``VANTHU_SEARCH_REINDEX_STATE_FILE``): the agencies done, and in the current one the
    next page of the registry's list. Written after every page, so a stopped run goes on from there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: list[str] = []
        self.agency = ""
        self.page_token = ""
        self.indexed = 0
        #: The Tantivy generation or the OpenSearch index being built (empty: the live index, ``--agency``).
        self.target = ""
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            self.done, self.agency = list(data["done"]), str(data["agency"])
            self.page_token, self.indexed = str(data["page_token"]), int(data["indexed"])
            self.target = str(data.get("target", ""))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"done": self.done, "agency": self.agency, "page_token": self.page_token,
                                         "indexed": self.indexed, "target": self.target}), encoding="utf-8")
        temporary.replace(self.path)


async def agencies(wiring: Wiring, tokens_token: str) -> list[str]:
    codes: list[str] = []
    token = ""
    while True:
        reply = await wiring.registry_stub.ListAgencies(
            registry_pb2.ListAgenciesRequest(page=common_pb2.PageRequest(page_size=500, page_token=token)),
            metadata=bearer_metadata(tokens_token))
        codes.extend(a.code for a in reply.agencies)
        token = reply.page.next_page_token
        if not token:
            return sorted(codes)


class Lister(Protocol):
    async def list_ids(self, agency_code: str, page_token: str, page_size: int = 200) -> tuple[list[str], str]: ...


class Indexes(Protocol):
    async def index(self, agency: str, document_id: str) -> bool: ...


async def rebuild(codes: list[str], documents: Lister, indexer: Indexes, progress: Progress) -> None:
    """Index every document of ``codes`` (agency codes), page by page, saving ``progress`` after each page: a run
    that stops (an error, Ctrl-C) goes on from the page it was at, the agencies done are skipped."""
    from tqdm import tqdm

    with tqdm(total=len(codes), initial=len(progress.done), unit="agency", desc="agencies") as bar, \
            tqdm(initial=progress.indexed, unit="doc", desc="documents") as docs:
        for code in codes:
            if code in progress.done:
                continue
            page_token = progress.page_token if progress.agency == code else ""
            progress.agency = code
            while True:
                ids, next_token = await documents.list_ids(code, page_token)
                for document_id in ids:
                    await indexer.index(code, document_id)
                    docs.update()
                progress.indexed += len(ids)
                progress.page_token = page_token = next_token
                progress.save()
                if not next_token:
                    break
            progress.done.append(code)
            progress.agency, progress.page_token = "", ""
            progress.save()
            bar.update()


def building_into(progress: Progress, root: Path | str) -> str:
    """The Tantivy generation this reindex fills: a stopped run's if it is still the one building (its place kept),
    else a new one (the place forgotten: agencies done for another generation are not done for this one)."""
    name = generations.begin_build(root, progress.target)
    if name != progress.target:
        progress.done, progress.agency, progress.page_token, progress.indexed = [], "", "", 0
        progress.target = name
    progress.save()
    return name


async def reindex(settings: SearchSettings, common: CommonSettings, *, only: list[str], restart: bool,
                  wait_ocr: bool) -> int:
    """Rebuild the index from the registry. With Tantivy, into a new generation while the service answers from the
    live one, published (``CURRENT``) once complete (:mod:`vanthu_search.backends.generations`); with OpenSearch,
    into a new index the alias moves to once complete (:meth:`OpenSearchBackend.begin_build`, the service writing
    to both meanwhile). ``--agency`` rebuilds those agencies in the live index instead (with Tantivy, the service
    stopped: one writer per index)."""
    if not settings.registry_target:
        print("reindex: VANTHU_SEARCH_REGISTRY_TARGET is not set: there is nothing to read documents from",
              file=sys.stderr)
        return 2
    state_file = Path(settings.reindex_state_file or Path(settings.ocr_dir) / "reindex.state")
    if restart:
        state_file.unlink(missing_ok=True)  # noqa: ASYNC240 - once, before any work
    progress = Progress(state_file)
    if progress.done or progress.agency:
        print(f"reindex: resuming after {len(progress.done)} agencies, {progress.indexed} documents")
    target: Backend | None = None
    building: OpenSearchBackend | None = None
    if settings.backend == "opensearch" and not only:
        building = OpenSearchBackend.connect(settings.opensearch_url, alias=settings.opensearch_alias)
        name = building.begin_build(progress.target, stamp=datetime.now(UTC).strftime("%Y%m%dt%H%M%S"))
        if name != progress.target:
            progress.done, progress.agency, progress.page_token, progress.indexed = [], "", "", 0
            progress.target = name
        progress.save()
        print(f"reindex: building the index {name}; the service answers from {settings.opensearch_alias} meanwhile")
        target = building.for_build(name)
    elif settings.backend == "tantivy" and not only:
        building_into(progress, settings.index_dir)
        print(f"reindex: building generation {progress.target} in {settings.index_dir}; the service answers from "
              f"{generations.live(settings.index_dir)} meanwhile")
        target = TantivyBackend(generations.path_of(settings.index_dir, progress.target))
    wiring = wire(settings, common, backend=target)
    assert wiring.documents is not None and wiring.indexer is not None
    if wiring.ocr is not None:
        wiring.ocr.start()
    try:
        codes = only or await agencies(wiring, await wiring.documents.tokens.token())
        await rebuild(codes, wiring.documents, wiring.indexer, progress)
        if wait_ocr and wiring.ocr is not None:
            print(f"reindex: waiting for OCR of {wiring.ocr.pending} files")
            await wiring.ocr.idle()
    finally:
        await wiring.close()
    if building is not None:
        building.publish(progress.target)
        building.close()
        print(f"reindex: the alias {settings.opensearch_alias} now points at {progress.target}; the old index is "
              f"kept until you delete it")
    elif target is not None:
        generations.publish(settings.index_dir, progress.target)
        print(f"reindex: generation {progress.target} published: the service answers from it at its next call")
    state_file.unlink(missing_ok=True)  # noqa: ASYNC240 - once, at the end
    print(f"reindex: done, {progress.indexed} documents")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-search", description="VanThu search service.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service and the indexing consumer (default)")
    again = sub.add_parser("reindex", help="rebuild the index from the registry while the service answers (with "
                                           "Tantivy into a new generation, switched to at the end); resumes where a "
                                           "stopped run left off")
    again.add_argument("--agency", action="append", default=[],
                       help="only this agency (repeatable; with Tantivy in the live index, the service stopped)")
    again.add_argument("--restart", action="store_true", help="forget a stopped run and start from the beginning")
    again.add_argument("--no-wait-ocr", action="store_true", help="do not wait for the scans' OCR to finish")
    args = parser.parse_args(argv)
    settings, common = SearchSettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("search", common.log_level, json_output=common.log_json and command == "serve")
    if command == "reindex":
        return asyncio.run(reindex(settings, common, only=args.agency, restart=args.restart,
                                   wait_ocr=not args.no_wait_ocr))
    return runner.serve("search", lambda: SearchServer(settings, common), log)


if __name__ == "__main__":
    sys.exit(main())
