"""Opaque cursor tokens for list RPCs.

A token is the sort key of the last row a page returned, as JSON, base64url-encoded with a short tag so
that garbage (or a token from another listing) is refused with a field error rather than silently
restarting the listing.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from vanthu_core.errors import InvalidArgument

_FIELD = "page.page_token"
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = json.dumps([kind, key], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, token: str) -> list[Any]:
    """The sort key inside ``token``; InvalidArgument if it is not a ``kind`` token this code issued."""
    if len(token) > 2048:
        raise InvalidArgument(_FIELD, "quá dài: hãy tải lại danh sách từ trang đầu.")
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidArgument(_FIELD, "không do hệ thống cấp: hãy tải lại danh sách từ trang đầu.") from exc
    try:
        tag, key = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise InvalidArgument(_FIELD, "không do hệ thống cấp: hãy tải lại danh sách từ trang đầu.") from exc
    if tag != kind or not isinstance(key, list):
        raise InvalidArgument(_FIELD, "thuộc một danh sách khác: hãy tải lại danh sách từ trang đầu.")
    return key


def page_size(requested: int) -> int:
    """The page size to use: the default for 0, refused when negative or above the maximum."""
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument("page.page_size", f"phải từ 1 đến {MAX_PAGE_SIZE}.")
    return requested or DEFAULT_PAGE_SIZE
