"""Numbers from callers, checked once the same way everywhere: ranges of the protobuf field types and finiteness.

Protobuf refuses a Python int outside an ``int32``/``int64`` field's range with a ``ValueError`` (a 500 when it
happens while building a request), and a ``double`` carries ±Infinity and NaN over the wire; so the gateway's
request models bound every number (pydantic ``ge``/``le``, ``allow_inf_nan=False``) and each service checks again
with these helpers, which raise :class:`~vanthu_core.errors.InvalidArgument` naming the field and never quote the
value (issue 11, item 14).
"""

from __future__ import annotations

import math

from vanthu_core.errors import InvalidArgument

#: Ranges of the protobuf scalar types (https://protobuf.dev/programming-guides/proto3/#scalar).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Largest page coordinate accepted, in PDF points: ISO 32000-1, Annex C.2 limits a page to 14,400 units a side;
#: twice that leaves room for boxes offset from the origin.
MAX_PDF_COORDINATE = 28_800.0


def bounded_int(field: str, value: object, *, minimum: int = 0, maximum: int = INT32_MAX) -> int:
    """``value`` as an int in ``[minimum, maximum]`` (bools are not numbers here).

    Raises :class:`InvalidArgument` on ``field`` saying the accepted range.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(field, f"phải là số nguyên từ {minimum} đến {maximum}.")
    if not minimum <= value <= maximum:
        raise InvalidArgument(field, f"phải là số nguyên từ {minimum} đến {maximum}.")
    return value


def finite_float(field: str, value: object, *, minimum: float = -MAX_PDF_COORDINATE,
                 maximum: float = MAX_PDF_COORDINATE) -> float:
    """``value`` as a finite float in ``[minimum, maximum]`` (no ±Infinity, no NaN).

    Raises :class:`InvalidArgument` on ``field`` saying the accepted range.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(field, f"phải là số từ {minimum:g} đến {maximum:g}.")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise InvalidArgument(field, f"phải là số hữu hạn từ {minimum:g} đến {maximum:g}.")
    return number
