"""The inbox's filters (issue 14: the Văn bản đến work tabs filterable like the clerk's list): words of the
document's trích yếu (tones and case ignored), its type, its issuing agency and the days the task was given narrow a
person's own tasks and their counts, on SQLite and PostgreSQL; another agency's person finds nothing with the same
filters; the migration folds the abstracts of the cases written before it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from alembic import command

from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.db import alembic_config, migrate
from vanthu_core.ids import new_id
from vanthu_workflow.directory import DocumentInfo
from vanthu_workflow.server import MIGRATIONS
from vanthu_workflow.settings import WorkflowSettings

from .conftest import SNV, UBND, Harness

pytestmark = pytest.mark.integration

SO_TAI_CHINH = "000.00.12.H62"
SO_Y_TE = "000.00.15.H62"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The harness's database: SQLite as the embedded default runs it, PostgreSQL as the scale mode does."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def _arrival(h: Harness, abstract: str, *, type_code: str, issuer: str, at: datetime,
                   agency: str = UBND, clerk: str = "vanthu.ubnd") -> pb.Case:
    """An arrival of ``issuer`` registered and submitted to the agency's leaders at ``at`` (UTC)."""
    document_id = new_id()
    h.directory.documents[document_id] = DocumentInfo(
        id=document_id, agency_code=agency, direction="incoming", status="registered", abstract=abstract, number=7,
        type_code=type_code, issuing_agency_code=issuer)
    h.clock.now = at
    return (await h.call(h.api.SubmitIncoming, pb.SubmitIncomingRequest(document_id=document_id), clerk)).case


async def _found(h: Harness, user: str, **filters: str) -> tuple[list[str], pb.InboxCounts]:
    reply = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all", case_kind="incoming", **filters), user)
    return [t.case_id for t in reply.tasks], reply.counts


async def test_the_inbox_keeps_only_the_tasks_whose_document_matches_every_filter_and_counts_them(
        harness: Harness) -> None:
    h = harness
    budget = await _arrival(h, "Về việc lập dự toán ngân sách năm 2032", type_code="cong_van",
                            issuer=SO_TAI_CHINH, at=datetime(2031, 6, 10, 2, 0, tzinfo=UTC))
    # given at 01:00 on 12 June, Vietnam time (18:00 UTC the day before)
    digital = await _arrival(h, "Kế hoạch chuyển đổi số ngành y tế", type_code="ke_hoach",
                             issuer=SO_Y_TE, at=datetime(2031, 6, 11, 18, 0, tzinfo=UTC))
    report = await _arrival(h, "Báo cáo ĐẦU TƯ chuyển đổi số năm 2031", type_code="bao_cao",
                            issuer=SO_TAI_CHINH, at=datetime(2031, 6, 13, 2, 0, tzinfo=UTC))
    leader = "lanhdao.ubnd"

    everything, counts = await _found(h, leader)
    assert everything == [report.id, digital.id, budget.id] and counts.todo == 3

    # words: tones, case and đ ignored, each word anywhere in the trích yếu
    assert await _found(h, leader, query="chuyen doi so") == ([report.id, digital.id], pb.InboxCounts(todo=2))
    assert (await _found(h, leader, query="Đầu tư  SỐ"))[0] == [report.id]
    assert (await _found(h, leader, query="dự toán 2033"))[0] == []
    assert (await _found(h, leader, query="100%"))[0] == []  # a LIKE wildcard is a character like any other
    # the type and the issuing agency the document had when it was submitted
    assert (await _found(h, leader, type_code="ke_hoach"))[0] == [digital.id]
    assert (await _found(h, leader, issuing_agency_code=SO_TAI_CHINH))[0] == [report.id, budget.id]
    assert (await _found(h, leader, issuing_agency_code=SO_TAI_CHINH, query="chuyển đổi"))[0] == [report.id]
    # the days the task was given, Vietnam dates, both ends included
    assert (await _found(h, leader, date_from="2031-06-12"))[0] == [report.id, digital.id]
    assert (await _found(h, leader, date_to="2031-06-11"))[0] == [budget.id]
    assert (await _found(h, leader, date_from="2031-06-12", date_to="2031-06-12"))[0] == [digital.id]

    # the filters page like the whole inbox: the next page keeps them
    first = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all", query="so", page_size=1), leader)
    assert [t.case_id for t in first.tasks] == [report.id] and first.counts.todo == 2
    second = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all", query="so", page_size=1,
                                                               page_token=first.next_page_token), leader)
    assert [t.case_id for t in second.tasks] == [digital.id] and not second.next_page_token


async def test_another_agencys_person_finds_nothing_with_the_same_filters(harness: Harness) -> None:
    h = harness
    await _arrival(h, "Kế hoạch chuyển đổi số ngành y tế", type_code="ke_hoach", issuer=SO_Y_TE,
                   at=datetime(2031, 6, 11, 3, 0, tzinfo=UTC))
    filters = {"query": "chuyển đổi số", "type_code": "ke_hoach", "issuing_agency_code": SO_Y_TE,
               "date_from": "2031-06-11", "date_to": "2031-06-11"}
    assert len((await _found(h, "lanhdao.ubnd", **filters))[0]) == 1
    for user in ("lanhdao.snv", "truongphong.snv", "chuyenvien.snv"):
        found, counts = await _found(h, user, **filters)
        assert (found, counts) == ([], pb.InboxCounts()), user
    # and a person of the same agency who holds no task on it finds nothing either
    assert await _found(h, "chuyenvien.ubnd", **filters) == ([], pb.InboxCounts())
    other = await _arrival(h, "Kế hoạch chuyển đổi số ngành nội vụ", type_code="ke_hoach", issuer=SO_Y_TE,
                           at=datetime(2031, 6, 11, 4, 0, tzinfo=UTC), agency=SNV, clerk="vanthu.snv")
    assert (await _found(h, "lanhdao.snv", **filters))[0] == [other.id]


@pytest.mark.parametrize(("filters", "said"), [
    ({"date_from": "2031-06-12", "date_to": "2031-06-11"}, "Đến ngày: phải từ Từ ngày trở về sau."),
    ({"date_from": "12/06/2031"}, "Từ ngày: "),
    ({"query": "x" * 201}, "Từ khóa tìm kiếm: tối đa 200 ký tự."),
    ({"issuing_agency_code": "t" * 51}, "Cơ quan ban hành: tối đa 50 ký tự."),
])
async def test_a_filter_the_inbox_cannot_use_is_refused_naming_it(
        harness: Harness, filters: dict[str, str], said: str) -> None:
    refused = await harness.refused(harness.api.ListInbox, pb.ListInboxRequest(**filters), "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (refused.details() or "").startswith(said)


async def test_0009_folds_the_abstracts_of_the_cases_written_before_it(
        harness: Harness, workflow_settings: WorkflowSettings) -> None:
    h = harness
    case = await _arrival(h, "Về việc tăng cường phòng, chống dịch bệnh", type_code="cong_van", issuer=SO_Y_TE,
                          at=datetime(2031, 6, 11, 3, 0, tzinfo=UTC))
    url = workflow_settings.database_url
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0008")
    await migrate(MIGRATIONS, url)
    assert (await _found(h, "lanhdao.ubnd", query="phong chong dich"))[0] == [case.id]
