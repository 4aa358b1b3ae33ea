"""An upload in progress: size limit, SHA-256 computed while streaming, claimed digest check."""

from __future__ import annotations

import hashlib
import re

from vanthu_core.errors import InvalidArgument
from vanthu_storage.domain.content import HEAD_BYTES

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def check_sha256(field: str, value: str) -> str:
    digest = value.strip().lower()
    if not SHA256_HEX.fullmatch(digest):
        raise InvalidArgument(field, "phải là mã băm SHA-256: 64 ký tự thập lục phân.")
    return digest


class UploadCheck:
    """Feed the bytes as they arrive; :meth:`finish` returns the digest once everything is acceptable."""

    def __init__(self, max_bytes: int, *, claimed_sha256: str = "", size_hint: int = 0) -> None:
        if size_hint < 0:
            raise InvalidArgument("metadata.size_hint", "phải là 0 (chưa biết) hoặc dung lượng tính bằng byte.")
        if size_hint > max_bytes:
            raise InvalidArgument("metadata.size_hint", f"{size_hint} byte vượt giới hạn {max_bytes} byte: hãy tải "
                                                        "tệp nhỏ hơn.")
        self.max_bytes = max_bytes
        self.claimed = check_sha256("metadata.claimed_sha256", claimed_sha256) if claimed_sha256 else ""
        self.size = 0
        self.head = b""
        self._hash = hashlib.sha256()

    def feed(self, chunk: bytes) -> None:
        """Account for one chunk; raise as soon as the limit is passed (nothing more is read)."""
        self.accept(chunk)
        self.digest(chunk)

    def accept(self, chunk: bytes) -> None:
        """The cheap half of :meth:`feed` (size limit and leading bytes), for the event loop: raises before
        an oversized chunk is hashed or written."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise InvalidArgument("content", f"lớn hơn giới hạn {self.max_bytes} byte: hãy tải tệp nhỏ hơn.")
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[:HEAD_BYTES - len(self.head)]

    def digest(self, chunk: bytes) -> None:
        """The costly half of :meth:`feed`: hash ``chunk`` (releases the GIL; call from a worker thread, in
        order, one call at a time)."""
        self._hash.update(chunk)

    def finish(self) -> str:
        """The hex SHA-256 of the whole content; refuses empty content and a wrong claimed digest."""
        if self.size == 0:
            raise InvalidArgument("content", "tệp rỗng: hãy gửi nội dung tệp sau thông tin tệp.")
        digest = self._hash.hexdigest()
        if self.claimed and self.claimed != digest:
            raise InvalidArgument("metadata.claimed_sha256",
                                  f"không khớp nội dung nhận được (mã băm SHA-256 của nội dung là {digest}): hãy tải "
                                  "tệp lên lại.")
        return digest
