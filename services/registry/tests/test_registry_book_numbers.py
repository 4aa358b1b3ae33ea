"""A register's numbers (số đến, số văn bản đi) as the register books print them: below 10 with a leading zero
(Decree 30/2020 Appendix I: numbering starts at 01). The web's ``bookNumber`` (services/web
src/components/numbers.ts) shows them the same way, tested on the same cases."""

import pytest

from vanthu_registry.domain.documents import format_number, issued_number_symbol

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("number", "text"), [(1, "01"), (9, "09"), (10, "10"), (125, "125")])
def test_a_register_number_is_printed_with_a_leading_zero_below_ten(number: int, text: str) -> None:
    assert format_number(number) == text
    assert issued_number_symbol(number, "QĐ-UBND", year=2026, legal_normative=False).startswith(f"{text}/")


def test_there_is_no_number_zero() -> None:
    with pytest.raises(ValueError):
        format_number(0)
