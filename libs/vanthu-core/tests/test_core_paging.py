import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_core.paging import decode_cursor, encode_cursor, page_size


def test_a_cursor_round_trips_vietnamese_keys() -> None:
    token = encode_cursor("document", ["2026-11-27", "Quyết định về việc đổi tên đường"])
    assert decode_cursor("document", token) == ["2026-11-27", "Quyết định về việc đổi tên đường"]


@pytest.mark.parametrize("token", ["@@@", "bm90IGpzb24", "x" * 3000, encode_cursor("agency", ["a"])])
def test_foreign_or_garbage_tokens_are_refused_naming_the_field(token: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        decode_cursor("document", token)
    assert error.value.field == "page.page_token"


def test_page_size_defaults_and_limits() -> None:
    assert page_size(0) == 50
    assert page_size(7) == 7
    for bad in (-1, 501):
        with pytest.raises(InvalidArgument):
            page_size(bad)
