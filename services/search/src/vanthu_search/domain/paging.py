"""The search's cursor: where the next page starts, bound to the query it continues (a cursor of another query or a
forged one is refused as ``page.page_token``)."""

from __future__ import annotations

import base64
import hashlib
import json

from vanthu_core.errors import InvalidArgument

DEFAULT_PAGE = 20
MAX_PAGE = 100
#: Deepest result a cursor reaches (the engines' cost grows with depth); refine the query past it.
MAX_OFFSET = 10_000


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page.page_size", "phải là 0 (mặc định, 20 dòng) hoặc lớn hơn.")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]


def encode(offset: int, query_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": query_key}).encode()).decode().rstrip("=")


def decode(token: str, query_key: str) -> int:
    """The offset a cursor points at (0 for an empty one)."""
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(data["o"])
        key = str(data["q"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidArgument("page.page_token", "không do hệ thống cấp: hãy tìm lại từ trang đầu.") from error
    if key != query_key:
        raise InvalidArgument("page.page_token", "thuộc một lần tìm khác: hãy tìm lại từ trang đầu.")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidArgument("page.page_token", f"vượt quá kết quả thứ {MAX_OFFSET}: hãy thu hẹp tìm kiếm bằng bộ "
                                                 "lọc.")
    return offset
