"""The records database's migrations on data written before them (SQLite, as the embedded default runs it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_records.server import MIGRATIONS
from vanthu_records.store import Actor, DocumentMeta, ObjectVersion, RecordedFile, RecordsStore

pytestmark = pytest.mark.integration

UBND = "000.00.00.H61"
SNV = "000.00.02.H61"
CLERK = Actor(subject="s-clerk", username="vanthu.ubnd", name="Nguyễn Thị Hường")


def chain(*object_ids: str) -> RecordedFile:
    return RecordedFile(role="main", file_name="Công văn số 12 về chuyển đổi số.pdf", content_type="application/pdf",
                        versions=[ObjectVersion(object_id=o, sha256="0" * 64, size=1, kind="original",
                                                created_at="2031-06-11T03:00:00+00:00") for o in object_ids])


async def test_0004_indexes_the_chains_of_files_deposited_before_it(tmp_path: Path) -> None:
    """Issue 16 item 3: a file deposited before the chain index existed still has its reads logged: the migration
    fills the index from the chains' JSON (deposited files only), and the lookup goes through it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'records.db'}"
    await migrate(MIGRATIONS, url, "0003")
    engine = create_engine(url)
    store = RecordsStore(session_factory(engine), clock=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC))
    views = []
    for notation, agency in (("01.VP", UBND), ("02.VP", UBND), ("01.VP", SNV)):
        view = await store.open_file({"agency_code": agency, "year": 2031, "notation": notation,
                                      "title": "Hồ sơ về chuyển đổi số năm 2031", "retention_years": 10,
                                      "rights": "Công khai", "language": "Tiếng Việt", "unit": "Văn phòng",
                                      "start_date": date(2031, 1, 5)}, CLERK)
        views.append(view)
    deposited, still_open, other = views
    for view, doc, objects in ((deposited, "d-1", ("o-original", "o-augmented")), (still_open, "d-2", ("o-open",)),
                               (other, "d-3", ("o-snv",))):
        meta = DocumentMeta(document_id=doc, direction="outgoing")
        await store.add_documents(view.row.agency_code, view.row.id, view.row.version, [(meta, [chain(*objects)])],
                                  CLERK)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE files SET state = 'deposited' WHERE id IN (:a, :b)"),
                                 {"a": deposited.row.id, "b": other.row.id})
    await engine.dispose()

    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    store = RecordsStore(session_factory(engine))
    at = datetime(2031, 7, 1, 2, 0, tzinfo=UTC)
    assert await store.log_object_read(UBND, "o-original", "chuyenvien.ubnd", at, "e-1") == 1
    assert await store.log_object_read(UBND, "o-augmented", "chuyenvien.ubnd", at, "e-2") == 1
    assert await store.log_object_read(UBND, "o-augmented", "chuyenvien.ubnd", at, "e-2") == 0  # once per event
    assert await store.log_object_read(UBND, "o-open", "chuyenvien.ubnd", at, "e-3") == 0  # file not deposited
    assert await store.log_object_read(UBND, "o-snv", "chuyenvien.ubnd", at, "e-4") == 0  # another agency's
    assert await store.log_object_read(SNV, "o-snv", "chuyenvien.snv", at, "e-5") == 1
    log = await store.access_log(UBND, deposited.row.id)
    assert [(a.action, a.document_id, a.actor) for a in log] == [("download", "d-1", "chuyenvien.ubnd")] * 2
    await engine.dispose()
