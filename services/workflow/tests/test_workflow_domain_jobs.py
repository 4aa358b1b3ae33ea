"""Assigned work's own rules, pure: who gives work and within which unit, how deep sub-jobs go, the result's files,
the title; and the shared transition table speaking of "the job" when it refuses a step."""

from __future__ import annotations

import unicodedata

import pytest

from vanthu_core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from vanthu_workflow.domain.incoming import PERSON, STATE_NAMES, UNIT, Action, Party, State, TaskKind, next_state
from vanthu_workflow.domain.jobs import (
    MAX_DEPTH,
    MAX_FILES,
    check_depth,
    check_file_ids,
    check_parent_working,
    check_title,
    check_within,
    giving_unit,
)

pytestmark = pytest.mark.unit
MEMBERS = {"TH": frozenset({"s-head-th", "s-officer-th"}), "NC": frozenset({"s-head-nc", "s-officer-nc"})}
OFFICER_TH, OFFICER_NC = Party(PERSON, "s-officer-th"), Party(PERSON, "s-officer-nc")


def test_a_leader_gives_work_to_any_unit_or_person_of_the_agency() -> None:
    assert giving_unit(is_leader=True, is_head=False, head_of=(), parties=[Party(UNIT, "NC"), OFFICER_TH],
                       members=MEMBERS) == ""


def test_a_head_gives_work_to_people_of_the_unit_they_head_only() -> None:
    assert giving_unit(is_leader=False, is_head=True, head_of={"TH"}, parties=[OFFICER_TH],
                       members=MEMBERS) == "TH"
    # of two units they head, the one whose people they name
    assert giving_unit(is_leader=False, is_head=True, head_of={"NC", "TH"}, parties=[OFFICER_TH],
                       members=MEMBERS) == "TH"
    for parties in ([OFFICER_NC], [OFFICER_TH, OFFICER_NC], [Party(UNIT, "TH")]):
        with pytest.raises(PermissionDenied, match="chỉ giao việc cho người trong đơn vị"):
            giving_unit(is_leader=False, is_head=True, head_of={"TH"}, parties=parties, members=MEMBERS)


@pytest.mark.parametrize(("is_head", "head_of"), [(False, frozenset()), (True, frozenset()), (False, {"TH"})])
def test_nobody_else_gives_work(is_head: bool, head_of: frozenset[str]) -> None:
    """An officer, a clerk; a "head" by role who heads no unit in the directory; a unit's head in the directory
    whose token does not carry the head role."""
    with pytest.raises(PermissionDenied, match="Chỉ lãnh đạo"):
        giving_unit(is_leader=False, is_head=is_head, head_of=head_of, parties=[OFFICER_TH], members=MEMBERS)


def test_work_within_a_unit_goes_to_its_people_only() -> None:
    check_within("TH", [OFFICER_TH, Party(PERSON, "s-head-th")], MEMBERS)
    check_within("", [Party(UNIT, "NC")], MEMBERS)  # no unit: the agency
    with pytest.raises(PermissionDenied, match="chỉ giao cho người trong Phòng Tổng hợp"):
        check_within("TH", [OFFICER_TH, OFFICER_NC], MEMBERS, {"TH": "Phòng Tổng hợp"})
    with pytest.raises(PermissionDenied, match=r"^Việc này chỉ giao cho người trong đơn vị được chọn \(đơn vị được "
                                               r"chọn không thuộc đơn vị này\)\.$"):  # no codes, even unnamed
        check_within("TH", [Party(UNIT, "TH")], MEMBERS)


def test_sub_jobs_go_at_most_max_depth_levels_deep() -> None:
    assert [check_depth(d) for d in range(MAX_DEPTH)] == list(range(1, MAX_DEPTH + 1))
    with pytest.raises(FailedPrecondition, match=f"tối đa {MAX_DEPTH} cấp"):
        check_depth(MAX_DEPTH)


@pytest.mark.parametrize("state", list(State))
def test_a_sub_job_is_given_while_its_parent_is_worked_on(state: State) -> None:
    if state in (State.ASSIGNED, State.IN_PROGRESS, State.EXTENSION_REQUESTED):
        check_parent_working(state)
    else:
        with pytest.raises(FailedPrecondition) as refused:
            check_parent_working(state)
        # in words (issue 13 review item 5): the parent's state and the states that allow it, never the codes
        assert refused.value.message == (f"Việc đang ở trạng thái {STATE_NAMES[state]}: chỉ giao việc con khi việc "
                                          "ở trạng thái đã phân công, đang xử lý, xin gia hạn")


def test_the_results_files_are_checked_at_the_edge() -> None:
    assert check_file_ids([" a1b2 ", "01JD7T:report.pdf"]) == ["a1b2", "01JD7T:report.pdf"]
    assert check_file_ids([]) == []
    with pytest.raises(InvalidArgument, match=f"tối đa {MAX_FILES} tệp"):
        check_file_ids([f"f{i}" for i in range(MAX_FILES + 1)])
    for bad in ("", "../etc/passwd", "a b", "x" * 65):
        with pytest.raises(InvalidArgument, match=r"Tệp kết quả \(mục thứ 1\)"):
            check_file_ids([bad])
    with pytest.raises(InvalidArgument, match="bị chọn hai lần"):
        check_file_ids(["f1", "f1"])


def test_a_title_is_required_nfc_and_bounded() -> None:
    assert check_title("  Chuẩn bị báo cáo tổng kết năm ") == "Chuẩn bị báo cáo tổng kết năm"
    assert check_title(unicodedata.normalize("NFD", "Tổ chức hội nghị")) == unicodedata.normalize(
        "NFC", "Tổ chức hội nghị")
    with pytest.raises(InvalidArgument, match="Tiêu đề"):
        check_title("   ")
    with pytest.raises(InvalidArgument, match="tối đa 500"):
        check_title("x" * 501)


def test_an_illegal_step_on_a_job_is_refused_naming_the_jobs_state() -> None:
    with pytest.raises(FailedPrecondition, match=r"trạng thái hoàn thành: thao tác “hoàn thành” chỉ làm được"):
        next_state(State.COMPLETED, Action.COMPLETE, TaskKind.LEAD, subject="the job")
    with pytest.raises(FailedPrecondition, match=r"Việc đang ở trạng thái đã phân công: thao tác “đồng ý gia hạn”"):
        next_state(State.ASSIGNED, Action.GRANT_EXTENSION, subject="the job")
    assert next_state(State.IN_PROGRESS, Action.RETURN, TaskKind.LEAD, subject="the job") == State.RETURNED
