"""``python -m vanthu_registry import-register``: the operator imports a previous system's register book (going live
mid-year) on a real SQLite database; the dry run lists every refused line, the help says what the file holds."""

import asyncio
import csv
import io
from pathlib import Path

import pytest

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_registry.__main__ import main
from vanthu_registry.documents_store import DocumentFilter, DocumentStore
from vanthu_registry.domain.documents import Direction
from vanthu_registry.server import MIGRATIONS

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"
HEADER = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản", "Người ký",
          "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú"]


def book(path: Path, *lines: list[str]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *lines])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


async def _with_store(url: str, action: str) -> object:
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    try:
        store = DocumentStore(session_factory(engine))
        await store.seed_types()
        if action == "open":
            return (await store.create_register(agency_code=UBND, direction=Direction.OUTGOING, name="Sổ văn bản đi",
                                                agency_abbreviation="UBND", type_codes=[])).id
        return [(d["number_symbol"], d["imported"]) for d in (await store.find(UBND, DocumentFilter()))[0]]
    finally:
        await engine.dispose()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("VANTHU_REGISTRY_DATABASE_URL", url)
    return url


def test_import_register_help_says_what_the_file_holds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["import-register", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for words in ("--register ID", "--file PATH", "--dry-run", "Số, ký hiệu văn bản", "Ngày đến | Số đến",
                  "dd/mm/yyyy", "Exit status"):
        assert words in shown


def test_import_register_dry_run_lists_refusals_then_the_import_continues_the_series(
        database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register_id = str(asyncio.run(_with_store(database, "open")))
    good = [["01/QĐ-UBND", "05/01/2026", "Quyết định: Quyết định về việc giao chỉ tiêu biên chế", "", "", "", "", "",
             "", ""],
            ["02/UBND-VX", "06/01/2026", "Công văn: V/v đôn đốc giải ngân vốn đầu tư công", "", "", "", "", "", "", ""]]
    bad = book(tmp_path / "so-di.csv", *good, ["02/TB-UBND", "07/01/2026", "Thông báo: Lịch tiếp công dân"],
               ["03/QĐ-UBND", "31/12/2999", "Quyết định: Quyết định chưa ban hành"])
    assert main(["import-register", "--register", register_id, "--file", str(bad), "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert "line 4: number_symbol: số 02 năm 2026 xuất hiện hai lần trong tệp (dòng 3 và 4)" in out
    assert "line 5: document_date: 31/12/2999 là ngày sau hôm nay" in out
    assert "2 refusal(s); nothing written" in out
    assert "checking " in err and "█" in err and "4/4" in err  # the progress bar
    assert main(["import-register", "--register", register_id, "--file", str(bad)]) == 1  # all or nothing
    assert asyncio.run(_with_store(database, "list")) == []
    capsys.readouterr()
    assert main(["import-register", "--register", register_id, "--file", str(book(tmp_path / "ok.csv", *good)),
                 "--actor", "quantri.ubnd"]) == 0
    out, err = capsys.readouterr()
    assert "imported 2 entries (2026: 01–02)" in out and "importing " in err
    assert sorted(asyncio.run(_with_store(database, "list"))) == [  # type: ignore[call-overload]
        ("01/QĐ-UBND", True), ("02/UBND-VX", True)]
    assert main(["import-register", "--register", "0190f0e0-0000-7000-8000-00000000ffff", "--file", str(bad)]) == 2
    assert main(["import-register", "--register", register_id, "--file", str(tmp_path / "missing.csv")]) == 2
