"""The records database's migrations on data written before them (SQLite, as the embedded default runs it)."""

from __future__ import annotations

import json
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


async def test_0006_gives_old_files_their_persons_unit_where_known_and_unknown_otherwise(tmp_path: Path) -> None:
    """Issue 14 item 4: files opened from an entry whose người lập hồ sơ was picked from the directory kept that
    person's name as their unit. The migration gives each the unit a later file of the same person's entries got
    (from the registry, after the fix); where there is none, "Không rõ" — never the name. A typed unit, a free-text
    entry's unit and another agency's files are left alone."""
    from vanthu_records.domain import plan as plans

    url = f"sqlite+aiosqlite:///{tmp_path / 'records.db'}"
    await migrate(MIGRATIONS, url, "0005")
    engine = create_engine(url)
    store = RecordsStore(session_factory(engine), clock=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC))
    draft = await store.create_plan(UBND, 2031, "Danh mục hồ sơ năm 2031", CLERK)
    entries = [plans.Entry(id="", title=f"Hồ sơ số {n} về chuyển đổi số", retention_years=10, creator=name,
                           creator_subject=subject)
               for n, (name, subject) in enumerate((("Võ Minh Đường", "s-duong"), ("Võ Minh Đường", "s-duong"),
                                                     ("Lê Thị Hoa", "s-hoa"), ("Phòng Nội chính", "")))]
    plan = await store.update_plan(UBND, draft.row.id, draft.row.version, draft.row.title, "continuous",
                                   [plans.Heading(title="Văn bản chung", abbreviation="VP", entries=entries)])
    ids = [e["id"] for e in json.loads(plan.row.outline)[0]["entries"]]
    opened = {}
    for n, unit in ((0, "Võ Minh Đường"), (1, "Phòng Tổng hợp"), (2, "Lê Thị Hoa"), (3, "Phòng Nội chính")):
        opened[n] = await store.open_file({
            "agency_code": UBND, "year": 2031, "notation": f"0{n + 1}.VP", "title": entries[n].title,
            "retention_years": 10, "rights": "Công khai", "language": "Tiếng Việt", "unit": unit,
            "start_date": date(2031, 1, 5 + n), "plan_id": plan.row.id, "plan_entry_id": ids[n]}, CLERK)
    async with engine.begin() as connection:  # the wrong ones were opened first, before the fix
        for n, at in ((0, "2031-01-05 03:00:00"), (2, "2031-01-06 03:00:00"), (1, "2031-02-01 03:00:00")):
            await connection.execute(text("UPDATE files SET created_at = :at WHERE id = :id"),
                                     {"at": at, "id": opened[n].row.id})
    await engine.dispose()

    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    async with engine.connect() as connection:
        units = dict((await connection.execute(text("SELECT notation, unit FROM files"))).all())
    await engine.dispose()
    assert units == {"01.VP": "Phòng Tổng hợp", "02.VP": "Phòng Tổng hợp", "03.VP": "Không rõ",
                     "04.VP": "Phòng Nội chính"}
