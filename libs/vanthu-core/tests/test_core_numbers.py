"""Caller numbers are checked against the protobuf field ranges and for finiteness, with a field error that
never quotes the value (issue 11, item 14)."""

import math

import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_core.numbers import INT32_MAX, bounded_int, finite_float

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value", [-1, 2**31, 10**30, True, 1.5, "3"])
def test_whole_numbers_outside_the_int32_range_or_of_another_type_are_field_errors(value: object) -> None:
    with pytest.raises(InvalidArgument) as error:
        bounded_int("expected_version", value)
    assert error.value.field == "expected_version"
    assert error.value.reason == f"phải là số nguyên từ 0 đến {INT32_MAX}."


def test_whole_numbers_in_range_pass() -> None:
    assert bounded_int("page", 0) == 0 and bounded_int("page", INT32_MAX) == INT32_MAX
    assert bounded_int("level", 4, minimum=1, maximum=4) == 4


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e30, 10**400, -28_801.0, "1"])
def test_coordinates_must_be_finite_and_on_a_page(value: object) -> None:
    with pytest.raises(InvalidArgument) as error:
        finite_float("box.x1", value)
    assert error.value.field == "box.x1" and "e+" not in error.value.reason and "inf" not in error.value.reason


def test_finite_coordinates_pass() -> None:
    assert finite_float("box.y2", 841.89) == 841.89 and finite_float("box.x1", -10) == -10.0
