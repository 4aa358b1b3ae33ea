"""What every request body of the gateway shares: one schema per request, checked at the edge.

- Unknown fields are refused (``extra="forbid"``): the gateway answers 422 naming them (issue 11, item 16).
- Numbers are finite (``allow_inf_nan=False``) and bounded to what the protobuf field behind them holds
  (:mod:`vanthu_core.numbers`), so ``2147483648`` or ``1e400`` is a 400 naming the field, not a 500 (item 14).
- Dates are ``YYYY-MM-DD`` and nothing else (:data:`IsoDate`), as the document's ``format: date`` says, in bodies
  and in query strings alike.

Response models stay lenient (``extra="ignore"``): they are built from the services' answers, and a field a
service adds must not break the gateway.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from vanthu_core.errors import InvalidArgument
from vanthu_core.numbers import INT32_MAX, MAX_PDF_COORDINATE
from vanthu_core.text import clean_text
from vanthu_core.timeutil import FIRST_DAY, LAST_DAY


def _surrogate_at(value: object, path: str = "") -> str | None:
    """Where in a parsed JSON value a string (or a key) holds a lone UTF-16 surrogate (JSON's ``"\\ud800"``, which
    Python's JSON parser lets through and no UTF-8 text can carry); None when none does."""
    if isinstance(value, str):
        return path if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _surrogate_at(key) is not None:
                return path or "body"
            found = _surrogate_at(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_at(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


class RequestBody(BaseModel):
    """Base of every JSON request body."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_lone_surrogates(cls, data: object) -> object:
        """A lone surrogate (``{"reason": "\\ud800"}``) is a 400 naming where it is, not a 500 when the text is put
        into a protobuf message (found attacking interchange: ``POST /documents/{id}/revoke``)."""
        where = _surrogate_at(data)
        if where is not None:
            raise ValueError(f"“{where[:100]}” có ký tự không hợp lệ (nửa cặp thay thế UTF-16, \\ud800–\\udfff, "
                             "không phải chữ nào): hãy gõ lại nội dung này.")
        return data


class ResponseBody(BaseModel):
    """Base of a response model that reuses a request model's fields (the services may add fields)."""

    model_config = ConfigDict(extra="ignore")


#: A count or version held in a protobuf ``int32``: 0 … 2³¹−1.
NonNegativeInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
#: A position on a PDF page, in points (finite, within ISO 32000's page-size limits).
Coordinate = Annotated[float, Field(ge=-MAX_PDF_COORDINATE, le=MAX_PDF_COORDINATE, allow_inf_nan=False)]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


#: The days a date in a request may name (every date query and field at the edge): a date outside them is no
#: administrative document's, and near date.min/date.max the services' day arithmetic overflows.
MIN_DATE, MAX_DATE = FIRST_DAY, LAST_DAY


def _iso_date(value: object) -> object:
    """Let only ``YYYY-MM-DD`` text (or a date) through to pydantic's date parsing, which would also take ``0`` or
    ``"1751328000"`` as a Unix time (1970-01-01, 2025-07-01) and a midnight datetime as its date."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("phải là ngày viết dạng YYYY-MM-DD, ví dụ 2025-07-01")


def _date_in_range(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"phải là ngày từ {MIN_DATE:%d/%m/%Y} đến {MAX_DATE:%d/%m/%Y}")
    return value


#: A calendar date as the OpenAPI document says (``format: date``): ``YYYY-MM-DD`` only.
IsoDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_date_in_range)]


def _search_words(value: str) -> str:
    """Words to search for: refused (a 400 naming the query parameter, never the service's field name) when they
    hold a control or bidirectional character, which no search matches and the services refuse."""
    try:
        clean_text("q", value, max_len=len(value) + 1, required=False, strip=False)
    except InvalidArgument as error:
        raise ValueError(error.reason.rstrip(".")) from None
    return value


#: Words a list is searched for (``q``, ``issuer_q``): text without control characters.
SearchWords = Annotated[str, AfterValidator(_search_words)]
