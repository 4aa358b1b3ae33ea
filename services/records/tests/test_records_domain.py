"""The rules without I/O: the plan's numbering, the file's state machine, codes, ordinals' range, deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_records.domain import files as rules
from vanthu_records.domain import plan as plans

pytestmark = pytest.mark.unit


def outline() -> list[plans.Heading]:
    return [plans.Heading("Tổ chức, cán bộ", "tccb", entries=[plans.Entry("a", "Tuyển dụng", 0)],
                          subheadings=[plans.Subheading("Thi đua", [plans.Entry("b", "Khen thưởng", 20)])]),
            plans.Heading("Văn phòng", "VP", entries=[plans.Entry("c", "Công văn đi", 10),
                                                      plans.Entry("d", "Công văn đến", 10)])]


def test_roman_numerals_of_large_headings() -> None:
    assert [plans.roman(n) for n in (1, 2, 4, 9, 14, 40, 1999)] == ["I", "II", "IV", "IX", "XIV", "XL", "MCMXCIX"]


def test_continuous_numbering_runs_across_the_plan_with_each_headings_abbreviation() -> None:
    headings = plans.number_outline(plans.check_outline(outline()), plans.Numbering.CONTINUOUS)
    assert [h.numeral for h in headings] == ["I", "II"]
    assert headings[0].abbreviation == "TCCB"  # upper-cased on the way in
    assert [e.notation for h in headings for e in h.all_entries()] == ["01.TCCB", "02.TCCB", "03.VP", "04.VP"]
    assert headings[0].subheadings[0].number == 1


def test_per_heading_numbering_restarts_from_01_in_each_large_heading() -> None:
    headings = plans.number_outline(plans.check_outline(outline()), plans.Numbering.PER_HEADING)
    assert [e.notation for h in headings for e in h.all_entries()] == ["01.TCCB", "02.TCCB", "01.VP", "02.VP"]


@pytest.mark.parametrize(("change", "field"), [
    (lambda o: setattr(o[1], "abbreviation", "TCCB"), "headings[1].abbreviation"),
    (lambda o: setattr(o[0], "abbreviation", "TC CB"), "headings[0].abbreviation"),
    (lambda o: setattr(o[0].entries[0], "retention_years", 101), "headings[0].entries[0].retention_years"),
    (lambda o: setattr(o[0].subheadings[0].entries[0], "title", " "), "headings[0].subheadings[0].entries[0].title"),
])
def test_a_bad_outline_is_refused_naming_the_field(change: object, field: str) -> None:
    headings = outline()
    change(headings)  # type: ignore[operator]
    with pytest.raises(InvalidArgument) as caught:
        plans.check_outline(headings)
    assert caught.value.field == field


@pytest.mark.parametrize("typed", ["TCCÂ", "ƯĐ", "VƠ", "ßT", "ıT", "ﬀ", "ＴＣ", "TC-CB", "TC.CB"])
def test_a_heading_abbreviation_takes_only_a_to_z_dj_and_digits(typed: str) -> None:
    """Decree 30/2020 Appendix V.I: the file's số và ký hiệu is its number and the heading's abbreviation; Vietnamese
    abbreviations keep Đ and drop the other marks. A letter that only upper-cases into A–Z (ß → SS, ı → I) is
    refused too, and the message says what is accepted, in Vietnamese."""
    headings = outline()
    headings[0].abbreviation = typed
    with pytest.raises(InvalidArgument) as caught:
        plans.check_outline(headings)
    assert caught.value.field == "headings[0].abbreviation"
    assert "chữ cái không dấu (A–Z), chữ Đ và chữ số" in caught.value.reason


def test_a_heading_abbreviation_with_dj_is_accepted_and_upper_cased() -> None:
    headings = outline()
    headings[0].abbreviation = "đtxd"
    plans.number_outline(plans.check_outline(headings), plans.Numbering.CONTINUOUS)
    assert headings[0].abbreviation == "ĐTXD"
    assert headings[0].entries[0].notation == "01.ĐTXD"


def test_an_approved_plan_is_frozen() -> None:
    with pytest.raises(FailedPrecondition, match="danh mục đã duyệt không sửa được"):
        plans.check_editable("approved")


def test_submitting_a_plan_a_second_time_says_it_was_submitted() -> None:
    """Found by an attacker's trial: a second trình duyệt said the plan could not be edited."""
    with pytest.raises(FailedPrecondition) as error:
        plans.check_submittable("submitted", [])
    assert str(error.value).startswith("Danh mục hồ sơ đã trình, đang chờ lãnh đạo duyệt: không cần trình lại")


def test_file_and_document_codes_follow_circular_02_2019() -> None:
    code = rules.file_code("000.00.02.H61", 2031, "01.TCCB")
    assert code == "000.00.02.H61.2031.01.TCCB"
    assert rules.document_code(code, 7) == "000.00.02.H61.2031.01.TCCB.007"
    with pytest.raises(InvalidArgument):
        rules.document_code(code, 1000)  # DocOrdinal is Number(3)


@pytest.mark.parametrize("value", ["", "01 TCCB", "x" * 21])
def test_a_file_notation_is_1_to_20_characters_without_spaces(value: str) -> None:
    with pytest.raises(InvalidArgument):
        rules.check_notation("notation", value)


def test_the_state_machine_follows_the_dossier_of_regulations_7_2() -> None:
    s = rules.FileState.OPEN
    for action in (rules.FileAction.ADD, rules.FileAction.CLOSE, rules.FileAction.SUBMIT, rules.FileAction.RETURN,
                   rules.FileAction.REOPEN, rules.FileAction.CLOSE, rules.FileAction.RETAIN,
                   rules.FileAction.SUBMIT, rules.FileAction.ACCEPT):
        s = rules.next_state(s, action)
    assert s is rules.FileState.DEPOSITED


@pytest.mark.parametrize(("state", "action"), [("open", "submit"), ("closed", "add"), ("deposited", "return"),
                                               ("submitted", "close"), ("retained", "retain")])
def test_an_illegal_step_is_refused_naming_the_current_state(state: str, action: str) -> None:
    with pytest.raises(FailedPrecondition, match=f"Hồ sơ đang ở trạng thái {rules.state_name(state)}"):
        rules.next_state(state, rules.FileAction(action))


def test_deposit_is_due_a_year_after_closing_and_two_more_when_retained() -> None:
    assert rules.deposit_deadline(date(2031, 3, 2)) == date(2032, 3, 2)
    assert rules.deposit_deadline(date(2032, 2, 29), retained_years=2) == date(2035, 2, 28)


def test_due_from_30_days_before_the_deadline_overdue_after_it() -> None:
    deadline = date(2032, 3, 2)
    assert rules.deposit_flags("closed", deadline, date(2032, 1, 31)) == (False, False)
    assert rules.deposit_flags("closed", deadline, date(2032, 2, 1)) == (True, False)
    assert rules.deposit_flags("retained", deadline, date(2032, 3, 2)) == (True, False)
    assert rules.deposit_flags("closed", deadline, date(2032, 3, 3)) == (False, True)
    assert rules.deposit_flags("deposited", deadline, date(2032, 3, 3)) == (False, False)


def test_permanent_retention_has_no_end_date() -> None:
    assert rules.retain_until(date(2031, 6, 11), 0) is None
    assert rules.retain_until(date(2031, 6, 11), 20) == date(2051, 6, 11)


@pytest.mark.parametrize(("direction", "signature_check", "level"), [
    ("incoming", "unsigned", "so_hoa"),  # entered by hand from paper: its files are scans
    ("incoming", "valid", "goc_dien_tu"),  # received electronically
    ("incoming", "invalid", "goc_dien_tu"),
    ("incoming", "", "so_hoa"),
    ("outgoing", "", "goc_dien_tu"),
])
def test_a_documents_confidence_level_says_whether_its_file_is_a_scan(direction: str, signature_check: str,
                                                                      level: str) -> None:
    from vanthu.registry.v1 import documents_pb2
    from vanthu_records.api import document_meta

    doc = documents_pb2.Document(id="d-1", direction=direction, signature_check=signature_check,
                                 number_symbol="123/SNV-TCCB", document_date="2026-11-20")
    meta, _ = document_meta(doc, "2026-11-30T12:00:00+07:00")
    assert meta.confidence_level == level
