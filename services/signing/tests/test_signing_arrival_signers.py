"""The arrival's signature report names who signed and when (issue 14: a clerk judges an arrival by its signer)."""

from __future__ import annotations

import datetime as dt

import pytest

from vanthu_signing.arrivals import signer_line
from vanthu_signing.verify import SignatureReport

pytestmark = pytest.mark.unit

SIGNED = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)  # 09:30 in Vietnam
STAMPED = dt.datetime(2026, 12, 1, 2, 31, tzinfo=dt.UTC)


def report(**changes: object) -> SignatureReport:
    fields: dict[str, object] = dict(
        field_name="Signature1",
        signer="Nguyễn Văn Hưởng",
        organisation="Ủy ban nhân dân tỉnh Vĩnh Long",
        title="Chủ tịch",
        intact=True,
        valid=True,
        trusted=True,
        signing_time=SIGNED,
        timestamp_time=STAMPED,
        timestamp_ok=True,
        coverage="ENTIRE_FILE",
        modification_level="NONE",
        modification_ok=True,
    )
    fields.update(changes)
    return SignatureReport(**fields)  # type: ignore[arg-type]


def test_the_signer_line_names_the_signer_title_agency_and_the_timestamped_time_in_vietnam() -> None:
    assert signer_line(report()) == (
        "Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026"
    )


def test_without_a_trusted_timestamp_the_signer_line_gives_the_time_the_signer_wrote() -> None:
    assert (
        signer_line(report(timestamp_ok=False, title="", organisation=""))
        == "Nguyễn Văn Hưởng, ký lúc 09:30 01/12/2026"
    )
    assert (
        signer_line(report(timestamp_time=None, signing_time=None, signer=""))
        == "không rõ người ký — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long)"
    )


def test_an_arrival_whose_signatures_are_not_its_senders_is_a_problem_and_another_signer_a_note() -> None:
    """Sở Nội vụ's letter arrived carrying the province's personal signature and seal, and was reported HỢP LỆ
    (found trying the exchange as a new user): the report must say that none of its signatures is the sender's."""
    from vanthu_signing.arrivals import same_name, sender_problems

    ubnd = [report(), report(signer="Ủy ban nhân dân tỉnh Vĩnh Long", organisation="", title="")]
    problems, notes = sender_problems(ubnd, "Sở Nội vụ tỉnh Vĩnh Long", "Trương Công Lý")
    assert problems == ["không chữ ký nào là của cơ quan gửi «Sở Nội vụ tỉnh Vĩnh Long» (chữ ký của: Ủy ban nhân dân "
                        "tỉnh Vĩnh Long)"]
    assert notes == ["lưu ý: người ký ghi trên văn bản «Trương Công Lý» không có chữ ký số trong tệp (người ký số: "
                     "Nguyễn Văn Hưởng, Ủy ban nhân dân tỉnh Vĩnh Long)"]
    # the sender's own signatures, its name written otherwise: nothing to say
    assert sender_problems(ubnd, "UBND TỈNH VĨNH LONG", "NGUYỄN VĂN HƯỞNG") == ([], [])
    assert sender_problems([report(organisation="SỞ NỘI VỤ TỈNH VĨNH LONG", signer="Trương Công Lý")], "Sở Nội vụ",
                           "Trương Công Lý") == ([], [])
    # a seal alone (no personal signature): the named signer is a note, not a problem
    assert sender_problems(ubnd[1:], "Ủy ban nhân dân tỉnh Vĩnh Long", "Nguyễn Văn Hưởng")[0] == []
    # nothing to compare: no signatures (a problem of its own), or names unknown
    assert sender_problems([], "Sở Nội vụ", "Trương Công Lý") == ([], [])
    assert sender_problems(ubnd, "", "") == ([], [])
    # one name the start of the other, on whole words only
    assert same_name("Ủy ban nhân dân phường Long Châu", "UBND phường Long Châu")
    assert not same_name("Ủy ban nhân dân phường Long Châu", "Ủy ban nhân dân phường Long")
    assert not same_name("Ủy ban nhân dân tỉnh Vĩnh Long", "Ủy ban nhân dân phường Long Châu")
