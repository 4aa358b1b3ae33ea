"""File and document metadata (Appendix VI II.I–III, Circular 02/2019): one case per field for its length, its
code list or its required value, and the file code and document code formats."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date

import pytest

from vanthu_archive.metadata import (
    AccessMode,
    ConfidenceLevel,
    Confidentiality,
    CopyKind,
    DocumentMetadata,
    DocumentType,
    FileMetadata,
    Language,
    MetadataError,
    Retention,
    Signer,
    check_file_contents,
    document_code,
    parse_document_code,
    parse_file_code,
)

pytestmark = pytest.mark.unit

ORGAN = "000.00.12.H41"


def a_file(**changes: object) -> FileMetadata:
    base = FileMetadata(organ_id=ORGAN, catalogue=2026, notation="01.TCCB", title="Hồ sơ tuyển dụng công chức năm 2026",
                        retention=Retention(20), creator="Nguyễn Văn An", start_date=date(2026, 1, 5),
                        end_date=date(2026, 12, 20), doc_total=2, page_total=5)
    return dataclasses.replace(base, **changes)


def a_document(**changes: object) -> DocumentMetadata:
    base = DocumentMetadata(file_code=f"{ORGAN}.2026.01.TCCB", ordinal=1, type=DocumentType.DECISION,
                            issued_date=date(2026, 2, 3), organ_name="Ủy ban nhân dân tỉnh",
                            subject="Về việc tuyển dụng công chức", page_amount=2, number="15", code_notation="QĐ-UBND",
                            signer=Signer("Chủ tịch", "Trần Văn Bình"))
    return dataclasses.replace(base, **changes)


def fields_of(exc: pytest.ExceptionInfo[MetadataError]) -> list[str]:
    return [p.field for p in exc.value.problems]


def test_a_complete_file_and_document_are_valid_and_codes_compose() -> None:
    file = a_file().validate(closed=True)
    doc = a_document().validate()
    assert file.file_code == "000.00.12.H41.2026.01.TCCB"
    assert doc.code == "000.00.12.H41.2026.01.TCCB.001"
    assert doc.number_notation == "15/QĐ-UBND"


# -- file: lengths (the maximum passes, one more fails) -----------------------------------------------------------

FILE_LENGTHS = {"title": 500, "creator": 30, "description": 500, "info_sign": 100, "physical_state": 50,
                "archive_identifier": 13}


@pytest.mark.parametrize(("name", "limit"), FILE_LENGTHS.items())
def test_file_text_field_length_limit(name: str, limit: int) -> None:
    a_file(**{name: "ệ" * limit}).validate(closed=True)
    with pytest.raises(MetadataError) as exc:
        a_file(**{name: "ệ" * (limit + 1)}).validate(closed=True)
    assert fields_of(exc) == [name]
    assert f"tối đa {limit}" in exc.value.problems[0].message


def test_file_organ_id_is_at_most_35_letters_digits_and_dots() -> None:
    a_file(organ_id="A" * 35).validate()
    for bad in ("A" * 36, "000.00.12 H41", "H41..1", "Hà41", ".H41"):
        with pytest.raises(MetadataError) as exc:
            a_file(organ_id=bad).validate()
        assert fields_of(exc) == ["organ_id"], bad


def test_file_catalogue_is_a_year_or_catalogue_number_of_four_digits() -> None:
    a_file(catalogue=9999).validate()
    for bad in (0, 10000, "2026", True):
        with pytest.raises(MetadataError) as exc:
            a_file(catalogue=bad).validate()
        assert fields_of(exc) == ["catalogue"], bad


@pytest.mark.parametrize("good", ["01.TCCB", "12.VP-HC", "001.TCĐT", "99.KH2"])
def test_file_notation_accepts_number_dot_heading_abbreviation(good: str) -> None:
    a_file(notation=good).validate()


@pytest.mark.parametrize("bad", ["1.TCCB", "01-TCCB", "01.tccb", "TCCB.01", "00.TCCB", "01.", "01.TCCB-", "",
                                 "01.ABCDEFGHIJKLMNOPQRS"])
def test_file_notation_refuses_other_shapes(bad: str) -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(notation=bad).validate()
    assert fields_of(exc) == ["notation"]


def test_file_retention_is_permanent_or_1_to_99_years_with_its_code() -> None:
    assert Retention.permanent().label == "Vĩnh viễn" and Retention.permanent().code == "01"
    assert Retention(20).code == "05" and Retention(70).code == "02" and Retention(15).code == "07"
    assert Retention.parse("vĩnh viễn").is_permanent and Retention.parse("10 năm") == Retention(10)
    assert Retention.from_code("03") == Retention(50) and Retention.from_code("07", 5) == Retention(5)
    assert Retention(5).must_deposit and not Retention(3).must_deposit
    with pytest.raises(ValueError):
        Retention.parse("mãi mãi")
    with pytest.raises(ValueError):
        Retention.from_code("08")
    for bad in (Retention(0), Retention(100), "20 năm"):
        with pytest.raises(MetadataError) as exc:
            a_file(retention=bad).validate()
        assert fields_of(exc) == ["retention"]


@pytest.mark.parametrize(("name", "bad"), [("access_mode", "01"), ("access_mode", AccessMode.SECRET),
                                           ("language", "vi"), ("confidence_level", "Gốc điện tử")])
def test_file_code_list_fields_refuse_values_outside_the_list(name: str, bad: object) -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(**{name: bad}).validate()
    assert fields_of(exc) == [name]


@pytest.mark.parametrize("name", ["title", "creator", "notation", "organ_id"])
def test_file_required_text_fields(name: str) -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(**{name: "   "}).validate()
    assert name in fields_of(exc)
    assert "bắt buộc" in str(exc.value)


@pytest.mark.parametrize("name", ["end_date", "doc_total", "page_total"])
def test_file_fields_filled_at_closing_are_required_only_when_closed(name: str) -> None:
    a_file(**{name: None}).validate(closed=False)
    with pytest.raises(MetadataError) as exc:
        a_file(**{name: None}).validate(closed=True)
    assert fields_of(exc) == [name]


def test_file_start_date_is_required() -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(start_date=None).validate()
    assert fields_of(exc) == ["start_date"]


@pytest.mark.parametrize("name", ["doc_total", "page_total", "sheet_total"])
def test_file_totals_are_0_to_9999(name: str) -> None:
    a_file(**{name: 9999}).validate()
    with pytest.raises(MetadataError) as exc:
        a_file(**{name: 10000}).validate()
    assert fields_of(exc) == [name]


def test_file_end_date_not_before_start_date() -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(start_date=date(2026, 3, 1), end_date=date(2026, 2, 28)).validate()
    assert fields_of(exc) == ["end_date"] and "01/03/2026" in str(exc.value)


def test_file_keywords_total_at_most_100_characters_without_separators() -> None:
    a_file(keywords=("tuyển dụng", "công chức")).validate()
    with pytest.raises(MetadataError) as exc:
        a_file(keywords=("a" * 60, "b" * 40)).validate()
    assert fields_of(exc) == ["keywords"]
    with pytest.raises(MetadataError):
        a_file(keywords=("a;b",)).validate()


def test_every_file_problem_is_listed_at_once_in_vietnamese() -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(title="", creator="", catalogue=0, notation="x", end_date=date(2020, 1, 1)).validate()
    assert set(fields_of(exc)) == {"title", "creator", "catalogue", "notation", "end_date"}
    assert exc.value.field == "catalogue"
    assert "Tiêu đề hồ sơ" in str(exc.value) and "Người lập hồ sơ" in str(exc.value)


def test_text_is_stripped_and_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "  Hồ sơ Đề án  ")
    file = a_file(title=decomposed, keywords=(unicodedata.normalize("NFD", "tuyển dụng "), " "))
    assert file.title == "Hồ sơ Đề án" and unicodedata.is_normalized("NFC", file.title)
    assert file.keywords == ("tuyển dụng",)
    # the length is counted on the NFC text: 500 composed letters pass even if sent decomposed (1000 code points)
    a_file(title=unicodedata.normalize("NFD", "ệ" * 500)).validate()


def test_control_characters_are_refused() -> None:
    with pytest.raises(MetadataError) as exc:
        a_file(title="Hồ sơ\x00").validate()
    assert fields_of(exc) == ["title"]


# -- document ---------------------------------------------------------------------------------------------------

DOC_LENGTHS = {"organ_name": 200, "subject": 500, "number": 11, "code_notation": 30, "description": 500,
               "info_sign": 100, "autograph": 500, "physical_state": 50}


@pytest.mark.parametrize(("name", "limit"), DOC_LENGTHS.items())
def test_document_text_field_length_limit(name: str, limit: int) -> None:
    a_document(**{name: "ư" * limit}).validate()
    with pytest.raises(MetadataError) as exc:
        a_document(**{name: "ư" * (limit + 1)}).validate()
    assert fields_of(exc) == [name]


def test_document_signer_position_100_and_full_name_50_required() -> None:
    a_document(signer=Signer("C" * 100, "N" * 50)).validate()
    a_document(signer=None).validate()
    with pytest.raises(MetadataError) as exc:
        a_document(signer=Signer("C" * 101, "N" * 51)).validate()
    assert fields_of(exc) == ["signer.position", "signer.full_name"]
    with pytest.raises(MetadataError) as exc:
        a_document(signer=Signer("Chủ tịch", "")).validate()
    assert fields_of(exc) == ["signer.full_name"]


@pytest.mark.parametrize("name", ["organ_name", "subject"])
def test_document_required_text_fields(name: str) -> None:
    with pytest.raises(MetadataError) as exc:
        a_document(**{name: ""}).validate()
    assert fields_of(exc) == [name]


def test_document_issued_date_is_required() -> None:
    with pytest.raises(MetadataError) as exc:
        a_document(issued_date=None).validate()
    assert fields_of(exc) == ["issued_date"]


def test_document_ordinal_is_1_to_999() -> None:
    a_document(ordinal=999).validate()
    for bad in (0, 1000, None):
        with pytest.raises(MetadataError) as exc:
            a_document(ordinal=bad).validate()
        assert fields_of(exc) == ["ordinal"]


def test_document_page_amount_is_1_to_9999() -> None:
    a_document(page_amount=9999).validate()
    for bad in (0, 10000):
        with pytest.raises(MetadataError) as exc:
            a_document(page_amount=bad).validate()
        assert fields_of(exc) == ["page_amount"]


@pytest.mark.parametrize(("name", "bad"), [("type", "Công văn"), ("language", Language.VIETNAMESE.value),
                                           ("mode", "Công khai"), ("mode", AccessMode.SECRET),
                                           ("confidence_level", "gốc"), ("copy_kind", "bản chính"),
                                           ("confidentiality", Confidentiality.SECRET),
                                           ("confidentiality", Confidentiality.MOST_SECRET)])
def test_document_code_list_fields_refuse_values_outside_the_list(name: str, bad: object) -> None:
    with pytest.raises(MetadataError) as exc:
        a_document(**{name: bad}).validate()
    assert fields_of(exc) == [name]


def test_document_code_lists_have_their_codes_and_labels() -> None:
    assert len(DocumentType) == 32 and DocumentType.from_code("22") is DocumentType.OFFICIAL_LETTER
    assert DocumentType.from_label("công văn") is DocumentType.OFFICIAL_LETTER
    assert Language.from_code("09").label == "Hán Nôm" and len(Language) == 11
    assert ConfidenceLevel.from_label("Số hóa") is ConfidenceLevel.DIGITISED
    assert CopyKind.TRUE_COPY.label == "Bản sao y"
    with pytest.raises(ValueError):
        DocumentType.from_code("33")


def test_document_signed_flag_must_be_a_boolean() -> None:
    with pytest.raises(MetadataError) as exc:
        a_document(signed="yes").validate()
    assert fields_of(exc) == ["signed"]


# -- codes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "parts"), [
    ("000.00.12.H41.2026.01.TCCB", ("000.00.12.H41", 2026, "01.TCCB")),
    ("G09.2021.01.VP", ("G09", 2021, "01.VP")),
    ("H41.12.105.VP-HC", ("H41", 12, "105.VP-HC")),
])
def test_file_code_is_organ_catalogue_notation(code: str, parts: tuple[str, int, str]) -> None:
    assert parse_file_code(code) == parts


@pytest.mark.parametrize("bad", ["000.00.12.H41.2026.01", "H41.2026.1.TCCB", "H41.20260.01.TCCB", "2026.01.TCCB",
                                 "H41/2026/01.TCCB", "H41.2026.01.tccb", ""])
def test_file_code_refuses_other_shapes(bad: str) -> None:
    with pytest.raises(MetadataError) as exc:
        parse_file_code(bad)
    assert fields_of(exc) == ["file_code"]


def test_document_code_is_file_code_and_three_digit_ordinal() -> None:
    assert document_code("G09.2021.01.VP", 7) == "G09.2021.01.VP.007"
    assert parse_document_code("G09.2021.01.VP.007") == ("G09.2021.01.VP", 7)
    for bad in ("G09.2021.01.VP.7", "G09.2021.01.VP.000", "G09.2021.01.VP", "G09.2021.1.VP.001"):
        with pytest.raises(MetadataError):
            parse_document_code(bad)


def test_document_with_a_malformed_file_code_is_refused() -> None:
    with pytest.raises(MetadataError) as exc:
        a_document(file_code="H41.2026.TCCB").validate()
    assert fields_of(exc) == ["file_code"]


# -- the file with its documents -----------------------------------------------------------------------------------


def test_file_contents_check_ordinals_totals_codes_and_dates() -> None:
    file = a_file()
    docs = [a_document(), a_document(ordinal=2, page_amount=3, issued_date=date(2026, 12, 20))]
    check_file_contents(file, docs)
    with pytest.raises(MetadataError) as exc:
        check_file_contents(file, [docs[0], dataclasses.replace(docs[1], ordinal=3, file_code="G09.2021.01.VP",
                                                                issued_date=date(2027, 1, 1))])
    assert set(fields_of(exc)) == {"documents[1].file_code", "documents", "documents[1].issued_date"}
    with pytest.raises(MetadataError) as exc:
        check_file_contents(dataclasses.replace(file, doc_total=3, page_total=9), docs)
    assert fields_of(exc) == ["doc_total", "page_total"]
    check_file_contents(dataclasses.replace(file, end_date=None, doc_total=None), docs[:1], closed=False)


def test_document_keywords_total_at_most_100_characters() -> None:
    a_document(keywords=("tuyển dụng", "công chức")).validate()
    with pytest.raises(MetadataError) as exc:
        a_document(keywords=("k" * 101,)).validate()
    assert fields_of(exc) == ["keywords"]
