"""``vanthu-search reindex``: every document of every agency, page by page; a run that stops goes on from the page it
was at (the agencies done are skipped, nothing is indexed twice); with Tantivy it builds a new generation while the
service answers from the live one, which the service moves to at its next call once published, keeping what it
wrote meanwhile; ``--help`` answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vanthu_search.backends import generations
from vanthu_search.backends.generations import TantivyGenerations
from vanthu_search.backends.tantivy_backend import TantivyBackend
from vanthu_search.cli import Progress, building_into, main, rebuild
from vanthu_search.domain.access import principals_of
from vanthu_search.domain.model import Caller, Filters, IndexedDocument
from vanthu_search.domain.query import parse

pytestmark = pytest.mark.unit
PAGES = {"A": {"": (["a1", "a2"], "p2"), "p2": (["a3"], "")}, "B": {"": (["b1", "b2"], "q2"), "q2": (["b3"], "")}}


class Registry:
    def __init__(self, fail_at: tuple[str, str] | None = None) -> None:
        self.fail_at = fail_at
        self.asked: list[tuple[str, str]] = []

    async def list_ids(self, agency_code: str, page_token: str, page_size: int = 200) -> tuple[list[str], str]:
        if (agency_code, page_token) == self.fail_at:
            raise ConnectionError("the registry went away")
        self.asked.append((agency_code, page_token))
        return PAGES[agency_code][page_token]


class Indexer:
    def __init__(self) -> None:
        self.indexed: list[str] = []

    async def index(self, agency: str, document_id: str) -> bool:
        self.indexed.append(document_id)
        return True


async def test_a_stopped_reindex_resumes_at_the_page_it_was_at(tmp_path: Path) -> None:
    state = tmp_path / "reindex.json"
    first = Indexer()
    with pytest.raises(ConnectionError):
        await rebuild(["A", "B"], Registry(fail_at=("B", "q2")), first, Progress(state))
    assert first.indexed == ["a1", "a2", "a3", "b1", "b2"]
    again = Indexer()
    registry = Registry()
    progress = Progress(state)
    assert (progress.done, progress.agency, progress.page_token, progress.indexed) == (["A"], "B", "q2", 5)
    await rebuild(["A", "B"], registry, again, progress)
    assert again.indexed == ["b3"] and registry.asked == [("B", "q2")]
    assert Progress(state).done == ["A", "B"] and Progress(state).indexed == 6


def test_the_command_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["reindex", "--help"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
    shown = capsys.readouterr().out
    assert "reindex" in shown and "resumes" in shown and "--restart" in shown


def _doc(document_id: str, abstract: str) -> IndexedDocument:
    return IndexedDocument(id=document_id, agency_code="A", audience=("*",), direction="incoming",
                           status="registered", type_code="CV", number_symbol="1/UBND", abstract=abstract,
                           document_date="2025-03-04")


def _found(backend: TantivyGenerations, query: str) -> list[str]:
    result = backend.search(Caller("A", principals_of("sub-x", ["clerk"], [])), parse(query), Filters(),
                            sort="relevance", offset=0, limit=20)
    return sorted(h.document.id for h in result.hits)


class IntoIndex:
    """The indexer of a reindex, writing the registry's documents (a dict) into the generation being built, and
    running ``during(document id)`` after each (what happens meanwhile)."""

    def __init__(self, backend: TantivyBackend, registry: dict[str, str], during: Any) -> None:
        self.backend, self.registry, self.during = backend, registry, during

    async def index(self, agency: str, document_id: str) -> bool:
        self.backend.upsert([_doc(document_id, self.registry[document_id])])
        self.during(document_id)
        return True


async def test_the_service_answers_from_the_live_index_during_a_reindex_and_moves_to_the_new_one_after(
        tmp_path: Path) -> None:
    root = tmp_path / "index"
    service = TantivyGenerations(root)  # the running service
    try:
        service.upsert([_doc("a1", "Kế hoạch cũ về chuyển đổi số"), _doc("gone", "Văn bản đã xóa khỏi sổ")])
        registry = {"a1": "Kế hoạch mới về chuyển đổi số", "a2": "Báo cáo chuyển đổi số",
                    "a3": "Tờ trình chuyển đổi số"}
        target = generations.begin_build(root)
        assert target != service.generation and generations.begin_build(root, target) == target  # resumable
        seen_during: list[list[str]] = []

        def during(document_id: str) -> None:
            seen_during.append(_found(service, "chuyển đổi số"))
            if document_id == "a1":  # the registry changes a1 after the reindex read it: the service's event
                registry["a1"] = "Kế hoạch đã sửa về chuyển đổi số"
                service.upsert([_doc("a1", registry["a1"])])

        builder = TantivyBackend(generations.path_of(root, target))
        await rebuild(["A"], Registry(), IntoIndex(builder, registry, during), Progress(tmp_path / "state.json"))
        builder.close()
        # searched during the rebuild: the live generation, whole, never the half-built one
        assert seen_during == [["a1"], ["a1"], ["a1"]]
        assert _found(service, "đã xóa") == ["gone"]

        generations.publish(root, target)
        assert _found(service, "chuyển đổi số") == ["a1", "a2", "a3"] and service.generation == target
        assert _found(service, "đã xóa") == []  # the registry no longer has it
        assert _found(service, "đã sửa") == ["a1"] and _found(service, "kế hoạch mới") == []  # the event kept
        assert not (root / generations.BUILDING).exists() and not (root / generations.TOUCHED).exists()
        service.upsert([_doc("a4", "Quyết định chuyển đổi số")])  # written to the new generation from now on
        assert _found(service, "quyết định") == ["a4"]
    finally:
        service.close()
    again = TantivyGenerations(root)  # a restart opens the published generation
    try:
        assert again.generation == target and _found(again, "chuyển đổi số") == ["a1", "a2", "a3", "a4"]
    finally:
        again.close()


async def test_a_generation_published_while_the_service_was_stopped_gets_what_it_wrote_during_the_build(
        tmp_path: Path) -> None:
    root = tmp_path / "index"
    service = TantivyGenerations(root)
    target = generations.begin_build(root)
    builder = TantivyBackend(generations.path_of(root, target))
    builder.upsert([_doc("a1", "Công văn đôn đốc")])
    service.upsert([_doc("a2", "Công văn khẩn")])  # an event handled while building, then the service stops
    service.close()
    builder.close()
    generations.publish(root, target)
    restarted = TantivyGenerations(root)
    try:
        assert restarted.generation == target and _found(restarted, "công văn") == ["a1", "a2"]
        assert not (root / generations.BUILDING).exists()
    finally:
        restarted.close()


def test_an_index_of_before_generations_is_served_and_rebuilt_beside_it(tmp_path: Path) -> None:
    root = tmp_path / "index"
    legacy = TantivyBackend(root)  # the first version's layout: the index at the top of the directory
    legacy.upsert([_doc("a1", "Giấy mời họp")])
    legacy.close()
    service = TantivyGenerations(root)
    try:
        assert service.generation == generations.LEGACY and _found(service, "giấy mời") == ["a1"]
        target = generations.begin_build(root)
        assert target == "g0001"
        builder = TantivyBackend(generations.path_of(root, target))
        builder.upsert([_doc("a1", "Giấy mời họp"), _doc("a2", "Giấy mời dự hội nghị")])
        builder.close()
        generations.publish(root, target)
        assert _found(service, "giấy mời") == ["a1", "a2"] and service.generation == "g0001"
    finally:
        service.close()


def test_a_resumed_reindex_goes_on_in_its_generation_and_a_new_one_starts_from_the_beginning(tmp_path: Path) -> None:
    root, state = tmp_path / "index", tmp_path / "state.json"
    stopped = Progress(state)
    stopped.done, stopped.indexed = ["A"], 3  # a run of before generations stopped after agency A
    stopped.save()
    first = building_into(Progress(state), root)
    assert (Progress(state).done, Progress(state).target) == ([], first)  # A not done in this generation
    resumed = Progress(state)
    resumed.done = ["A"]
    resumed.save()
    assert building_into(Progress(state), root) == first and Progress(state).done == ["A"]
    generations.publish(root, first)
    again = building_into(Progress(state), root)  # its generation went live: a new run
    assert again != first and Progress(state).done == []
