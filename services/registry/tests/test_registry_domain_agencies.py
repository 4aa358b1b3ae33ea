"""Agency identifier codes and directory entries (pure rules)."""

import unicodedata

import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_core.text import fold
from vanthu_registry.domain.agencies import check_agency, check_code, level_of_classic_code

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("code", "level"), [("000.00.00.H61", 1), ("000.00.24.H44", 2), ("000.46.24.H44", 3),
                                             ("001.46.24.H44", 4), ("000.00.00.G22", 1)])
def test_classic_codes_conform_and_give_their_level(code: str, level: int) -> None:
    assert check_code(code) == (code, True)
    assert level_of_classic_code(code) == level


def test_a_code_that_departs_from_the_classic_form_is_kept_with_a_warning() -> None:
    checked = check_agency(code="28.22.H17", name="Sở Thông tin và Truyền thông Đà Nẵng")
    assert checked.agency.code == "28.22.H17"
    assert not checked.agency.code_conforms
    assert [f for f, _ in checked.warnings] == ["code"]


@pytest.mark.parametrize("code", ["", "   ", "000.00.00 H61", "000/00/00/H61", "x" * 36, ".000.00.00.H61"])
def test_impossible_codes_are_refused_naming_the_field(code: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_agency(code=code, name="Ủy ban nhân dân tỉnh Vĩnh Long")
    assert error.value.field == "code"


def test_names_are_nfc_normalised_and_diacritics_kept() -> None:
    decomposed = unicodedata.normalize("NFD", "Ủy ban nhân dân phường Long Châu")
    checked = check_agency(code="000.00.41.H61", name=decomposed, parent_code="000.00.00.H61")
    assert checked.agency.name == "Ủy ban nhân dân phường Long Châu"
    assert unicodedata.is_normalized("NFC", checked.agency.name)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": "x" * 201}, "name"),
    ({"name": ""}, "name"),
    ({"name": "Sở Y tế", "level": 7}, "level"),
    ({"name": "Sở Y tế", "valid_from": "2025-13-01"}, "valid_from"),
    ({"name": "Sở Y tế", "valid_from": "2025-07-01", "valid_to": "2025-06-30"}, "valid_to"),
    ({"name": "Sở Y tế", "parent_code": "000.00.06.H61"}, "parent_code"),
    ({"name": "Sở Y tế", "email": "không-phải-email"}, "email"),
])
def test_bad_fields_are_named(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_agency(code="000.00.06.H61", **kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


def test_level_that_contradicts_the_code_is_a_warning_not_an_error() -> None:
    checked = check_agency(code="000.00.06.H61", name="Sở Y tế", level=3, parent_code="000.00.00.H61")
    assert checked.agency.level == 3
    assert ("level" in [f for f, _ in checked.warnings])


def test_fold_matches_with_or_without_diacritics() -> None:
    assert fold("Sở Nội vụ tỉnh Vĩnh Long") == "so noi vu tinh vinh long"
    assert fold("ĐẶNG Thị Ơn") == "dang thi on"


def test_the_place_is_kept_nfc_and_checked() -> None:
    decomposed = unicodedata.normalize("NFD", "Long Châu")
    assert check_agency(code="000.00.41.H61", name="UBND phường Long Châu", place=decomposed).agency.place == \
        "Long Châu"
    for bad in ("Đ" * 101, "Vĩnh Long,", "Vĩnh\nLong"):
        with pytest.raises(InvalidArgument) as error:
            check_agency(code="000.00.41.H61", name="UBND phường Long Châu", place=bad)
        assert error.value.field == "place"


def test_an_agency_is_found_by_its_name_words_without_tones_and_its_codes_tails() -> None:
    from vanthu_registry.domain.agencies import search_words

    words = search_words("000.00.09.H61", "Sở Khoa học và Công nghệ (KH&CN), tỉnh Vĩnh Long", "Sở KH&CN")
    assert {"so", "khoa", "hoc", "va", "cong", "nghe", "kh&cn", "kh", "cn", "tinh", "vinh", "long"} <= words
    assert {"000.00.09.h61", "00.09.h61", "09.h61", "h61"} <= words
    assert not any(w.endswith((",", ")")) or w.startswith("(") for w in words)


def test_typed_words_fold_like_the_names_and_keep_a_wildcard_as_a_character() -> None:
    from vanthu_registry.domain.agencies import query_words

    assert query_words("Sở  Nội vụ,") == ["so", "noi", "vu"]
    assert query_words("H61 nội vụ") == ["h61", "noi", "vu"]
    assert query_words("01.H62") == ["01.h62"]
    assert query_words("%.H61") == ["%.h61"]
    assert query_words(" - ") == []
