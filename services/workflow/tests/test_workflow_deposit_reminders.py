"""The records service's deposit reminders become notifications of the file's creator and the agency's archivists,
once (issue 16 item 6)."""

from __future__ import annotations

import pytest

from vanthu.records.v1 import events_pb2 as records_events
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.events import new_meta
from vanthu_workflow.deposit_reminders import DepositReminders
from vanthu_workflow.directory import MemberInfo

from .conftest import UBND, Harness

pytestmark = pytest.mark.integration


def reminder(h: Harness, kind: type, agency: str = UBND) -> object:
    return kind(meta=new_meta(actor="vanthu-records", agency=agency), file_id="f-1",
                file_code=f"{agency}.2031.01.TCCB", title="Hồ sơ tuyển dụng công chức năm 2031",
                creator_subject=h.subject("chuyenvien.ubnd"), creator_username="chuyenvien.ubnd",
                deposit_deadline="2032-06-11")


async def test_due_and_overdue_files_reach_the_creator_and_the_archivists_once(harness: Harness) -> None:
    h = harness
    asked: list[str] = []

    async def people(agency: str) -> list[MemberInfo]:
        asked.append(agency)
        return [MemberInfo("", h.subject("luutru.ubnd"), "luutru.ubnd", "Võ Minh Đường", "",
                           email="luutru.ubnd@vinhlong.gov.vn", roles=("archivist",)),
                MemberInfo("", h.subject("vanthu.ubnd"), "vanthu.ubnd", "Trần Thị Thu Hương", "", roles=("clerk",))]

    handler = DepositReminders(h.server.store, people)
    due = reminder(h, records_events.FileDepositDue)
    await handler(due)
    await handler(due)  # redelivered: nothing new
    await handler(reminder(h, records_events.FileDepositOverdue))
    assert asked == [UBND, UBND, UBND]
    for user in ("chuyenvien.ubnd", "luutru.ubnd"):
        notes = (await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(), user)).notifications
        assert sorted(n.kind for n in notes) == ["deposit_due", "deposit_overdue"], user
        due_note = next(n for n in notes if n.kind == "deposit_due")
        assert "sắp đến hạn nộp lưu" in due_note.title and "11/06/2032" in due_note.body
    clerk = (await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(), "vanthu.ubnd")).notifications
    assert not [n for n in clerk if n.kind.startswith("deposit")]
