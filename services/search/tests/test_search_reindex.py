"""``vanthu-search reindex``: every document of every agency, page by page; a run that stops goes on from the page it
was at (the agencies done are skipped, nothing is indexed twice); ``--help`` answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanthu_search.cli import Progress, main, rebuild

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
