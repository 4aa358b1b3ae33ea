"""Where the bytes live: one :class:`ObjectBackend` interface, a local directory and S3 (MinIO).

Uploads are staged in a local file first (its digest names the object), then ``put`` moves it into place:
on the local backend with fsync + rename, so a crash never leaves a half object under its name; on S3 with
one ``put_object`` (multipart for large files), which S3 makes visible only when complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from vanthu_core.errors import FailedPrecondition, NotFound, Unavailable

READ_BYTES = 1024 * 1024
SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def object_key(agency_code: str, sha256: str) -> str:
    """``<agency>/<aa>/<sha256>``: addressed by digest within an agency."""
    agency = agency_code if SAFE_SEGMENT.fullmatch(agency_code) and ".." not in agency_code \
        else "x-" + agency_code.encode().hex()
    return f"{agency}/{sha256[:2]}/{sha256}"


class ObjectBackend(Protocol):
    """The storage of object bytes by key; metadata lives in the service's database."""

    #: True when the backend itself enforces retention and legal hold (S3 Object Lock).
    enforces_lock: bool

    async def put(self, key: str, staged: Path, size: int, content_type: str, *, keep: bool = False) -> None:
        """Store the staged file under ``key`` (consuming it unless ``keep``); visible only once complete."""
        ...

    async def copy(self, source: str, key: str, content_type: str) -> None:
        """Store the bytes of ``source`` under ``key`` too (inside the backend, durable once it returns; the
        source is unchanged); :class:`NotFound` if ``source`` is absent."""
        ...

    def read(self, key: str, offset: int = 0, length: int = 0) -> AsyncIterator[bytes]:
        """The bytes of ``key`` (from ``offset``, ``length`` bytes or to the end); :class:`NotFound` if absent."""
        ...

    def blocks(self, key: str, block_bytes: int = READ_BYTES) -> Iterator[bytes]:
        """The whole of ``key`` in blocks of ``block_bytes`` (the last may be shorter), blocking: for a worker
        thread, one ``next`` at a time; :class:`NotFound` (on the first ``next``) if absent. Close it when done."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove ``key`` entirely; :class:`FailedPrecondition` when the backend's lock refuses."""
        ...

    async def lock(self, key: str, retain_until: datetime | None, legal_hold: bool | None) -> None:
        """Apply retention / legal hold where the backend enforces them (no-op otherwise)."""
        ...

    def iter_keys(self) -> AsyncIterator[str]: ...

    def iter_entries(self) -> AsyncIterator[tuple[str, datetime]]:
        """Every stored key with when it was last written (for finding strays)."""
        ...

    async def close(self) -> None: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBackend:
    """A directory: ``<root>/<agency>/<aa>/<sha256>``; the service enforces retention."""

    enforces_lock = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise NotFound("Không tìm thấy tệp.")
        return target

    def _put(self, key: str, staged: Path, keep: bool) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged.open("rb+") as handle:
            os.fsync(handle.fileno())
        same_fs = staged.stat().st_dev == target.parent.stat().st_dev
        if same_fs and keep:  # a second name for the staged file, then renamed into place
            tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.unlink(missing_ok=True)
            try:
                os.link(staged, tmp)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        elif not same_fs:  # another file system: copy, then rename
            tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                with staged.open("rb") as src, tmp.open("wb") as dst:
                    while block := src.read(READ_BYTES):
                        dst.write(block)
                    dst.flush()
                    os.fsync(dst.fileno())
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            if not keep:
                staged.unlink(missing_ok=True)
        else:
            os.replace(staged, target)
        _fsync_dir(target.parent)

    async def put(self, key: str, staged: Path, size: int, content_type: str, *, keep: bool = False) -> None:
        await asyncio.to_thread(self._put, key, staged, keep)

    def _copy(self, source: str, key: str) -> None:
        src, target = self.path(source), self.path(key)
        if not src.is_file():
            raise NotFound("Nội dung tệp không còn trong kho lưu: báo quản trị hệ thống.")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            try:  # a second name for the same immutable bytes (durable already: the source was synced when stored)
                os.link(src, tmp)
            except OSError:  # a file system without hard links: copy, then flush
                shutil.copyfile(src, tmp)
                with tmp.open("rb+") as handle:
                    os.fsync(handle.fileno())
            os.utime(tmp)  # written now, as far as the sweep of strays can tell
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(target.parent)

    async def copy(self, source: str, key: str, content_type: str) -> None:
        await asyncio.to_thread(self._copy, source, key)

    async def read(self, key: str, offset: int = 0, length: int = 0) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(self.path(key).open, "rb")
        except FileNotFoundError as exc:
            raise NotFound("Nội dung tệp không còn trong kho lưu: báo quản trị hệ thống.") from exc
        try:
            if offset:
                handle.seek(offset)
            remaining = length or -1
            while remaining:
                size = READ_BYTES if remaining < 0 else min(READ_BYTES, remaining)
                block = await asyncio.to_thread(handle.read, size)
                if not block:
                    break
                if remaining > 0:
                    remaining -= len(block)
                yield block
        finally:
            handle.close()

    def blocks(self, key: str, block_bytes: int = READ_BYTES) -> Iterator[bytes]:
        try:
            handle = self.path(key).open("rb", buffering=0)  # large reads straight into the block: no buffer copy
        except FileNotFoundError as exc:
            raise NotFound("Nội dung tệp không còn trong kho lưu: báo quản trị hệ thống.") from exc
        with handle:
            with contextlib.suppress(OSError, AttributeError):
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            while block := handle.read(block_bytes):
                yield block

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def lock(self, key: str, retain_until: datetime | None, legal_hold: bool | None) -> None:
        return None

    async def iter_keys(self) -> AsyncIterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()

    def _entries(self) -> list[tuple[str, datetime]]:
        found = []
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    found.append((path.relative_to(self.root).as_posix(), modified))
        return found

    async def iter_entries(self) -> AsyncIterator[tuple[str, datetime]]:
        for entry in await asyncio.to_thread(self._entries):
            yield entry

    async def close(self) -> None:
        return None


def s3_code(exc: Exception) -> str:
    """The S3 error code of a failed call. Some servers (rclone) answer errors as ``text/xml``, which the
    ``minio`` client does not parse (``InvalidResponseError``): read the code from the body then."""
    from minio.error import InvalidResponseError, S3Error

    if isinstance(exc, S3Error):
        return str(exc.code)
    if isinstance(exc, InvalidResponseError):
        found = re.search(r"<Code>([^<]+)</Code>", exc._body or "")
        if found:
            return found.group(1)
        return {404: "NoSuchKey", 403: "AccessDenied"}.get(exc._code, f"HTTP{exc._code}")
    return type(exc).__name__


MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchObject", "NoSuchBucket"})
REFUSED = frozenset({"AccessDenied", "ObjectLocked", "InvalidRequest"})


class S3Backend:
    """An S3 bucket through the ``minio`` client; with ``object_lock`` the bucket is versioned and lock-enabled
    and retention is S3 Object Lock in COMPLIANCE mode (nobody, not even the root account, shortens it)."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, *, secure: bool = True,
                 region: str = "", sse: bool = False, object_lock: bool = False,
                 part_size: int = 16 * 1024 * 1024) -> None:
        from minio import Minio

        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                            region=region or None)
        self.bucket = bucket
        self.sse = sse
        self.enforces_lock = object_lock
        self.part_size = part_size

    def _ensure_bucket(self) -> None:
        from minio.error import MinioException

        try:
            exists = self.client.bucket_exists(self.bucket)
        except MinioException as exc:
            if s3_code(exc) not in MISSING:
                raise
            exists = False
        if not exists:
            self.client.make_bucket(self.bucket, object_lock=self.enforces_lock)

    async def start(self) -> S3Backend:
        await asyncio.to_thread(self._ensure_bucket)
        return self

    def _sse(self) -> Any:
        if not self.sse:
            return None
        from minio.sse import SseS3

        return SseS3()

    def _put(self, key: str, staged: Path, size: int, content_type: str, keep: bool) -> None:
        with staged.open("rb") as handle:
            self.client.put_object(self.bucket, key, handle, size, num_parallel_uploads=1,
                                   content_type=content_type, part_size=self.part_size, sse=self._sse())
        if not keep:
            staged.unlink(missing_ok=True)

    async def put(self, key: str, staged: Path, size: int, content_type: str, *, keep: bool = False) -> None:
        await asyncio.to_thread(self._put, key, staged, size, content_type, keep)

    def _copy(self, source: str, key: str) -> None:
        from minio.commonconfig import CopySource
        from minio.error import MinioException

        try:  # server-side: the bytes stay in the bucket
            self.client.copy_object(self.bucket, key, CopySource(self.bucket, source), sse=self._sse())
        except MinioException as exc:
            if s3_code(exc) in MISSING:
                raise NotFound("Nội dung tệp không còn trong kho lưu: báo quản trị hệ thống.") from exc
            raise Unavailable(f"Kho lưu từ chối sao chép tệp ({s3_code(exc)}): hãy thử lại sau ít phút.") from exc

    async def copy(self, source: str, key: str, content_type: str) -> None:
        await asyncio.to_thread(self._copy, source, key)

    def _get(self, key: str, offset: int = 0, length: int = 0) -> Any:
        from minio.error import MinioException

        try:
            return self.client.get_object(self.bucket, key, offset, length)
        except MinioException as exc:
            if s3_code(exc) in MISSING:
                raise NotFound("Nội dung tệp không còn trong kho lưu: báo quản trị hệ thống.") from exc
            raise Unavailable(f"Kho lưu từ chối đọc tệp ({s3_code(exc)}): hãy thử lại sau ít phút.") from exc

    def blocks(self, key: str, block_bytes: int = READ_BYTES) -> Iterator[bytes]:
        response = self._get(key)
        try:
            yield from response.stream(block_bytes)
        finally:
            response.close()
            response.release_conn()

    async def read(self, key: str, offset: int = 0, length: int = 0) -> AsyncIterator[bytes]:
        response = await asyncio.to_thread(self._get, key, offset, length)
        try:
            stream: Iterator[bytes] = response.stream(READ_BYTES)
            while True:
                block = await asyncio.to_thread(next, stream, b"")
                if not block:
                    break
                yield block
        finally:
            response.close()
            response.release_conn()

    def _exists(self, key: str) -> bool:
        from minio.error import MinioException

        try:
            self.client.stat_object(self.bucket, key)
        except MinioException as exc:
            if s3_code(exc) in MISSING:
                return False
            raise
        return True

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._exists, key)

    def _delete(self, key: str) -> None:
        from minio.error import MinioException

        try:
            if self.enforces_lock:  # every version, by id: a plain delete would only add a delete marker
                versions = [o.version_id for o in self.client.list_objects(self.bucket, prefix=key,
                                                                           include_version=True)
                            if o.object_name == key]
                for version_id in versions:
                    self.client.remove_object(self.bucket, key, version_id=version_id)
            else:
                self.client.remove_object(self.bucket, key)
        except MinioException as exc:
            code = s3_code(exc)
            if code in MISSING:
                return
            if code in REFUSED:
                raise FailedPrecondition("Kho lưu từ chối: tệp đang trong thời hạn giữ hoặc bị phong tỏa.") from exc
            raise

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)

    def _lock(self, key: str, retain_until: datetime | None, legal_hold: bool | None) -> None:
        from minio.commonconfig import COMPLIANCE
        from minio.error import MinioException
        from minio.retention import Retention

        if not self.enforces_lock:
            return
        try:
            if retain_until is not None:
                self.client.set_object_retention(self.bucket, key, Retention(COMPLIANCE, retain_until))
            if legal_hold is True:
                self.client.enable_object_legal_hold(self.bucket, key)
            elif legal_hold is False:
                self.client.disable_object_legal_hold(self.bucket, key)
        except MinioException as exc:
            if s3_code(exc) in REFUSED:
                raise FailedPrecondition(f"Kho lưu từ chối đổi khóa tệp ({s3_code(exc)}).") from exc
            raise

    async def lock(self, key: str, retain_until: datetime | None, legal_hold: bool | None) -> None:
        await asyncio.to_thread(self._lock, key, retain_until, legal_hold)

    def retention(self, key: str) -> tuple[str, datetime | None, bool]:
        """What S3 itself holds for ``key`` (from the object's headers): (mode, retain-until, legal hold)."""
        headers = {k.lower(): v for k, v in (self.client.stat_object(self.bucket, key).metadata or {}).items()}
        until = headers.get("x-amz-object-lock-retain-until-date")
        return (headers.get("x-amz-object-lock-mode", ""),
                datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None,
                headers.get("x-amz-object-lock-legal-hold", "").upper() == "ON")

    async def iter_keys(self) -> AsyncIterator[str]:
        objects = await asyncio.to_thread(lambda: list(self.client.list_objects(self.bucket, recursive=True)))
        for obj in objects:
            if obj.object_name:
                yield obj.object_name

    async def iter_entries(self) -> AsyncIterator[tuple[str, datetime]]:
        objects = await asyncio.to_thread(lambda: list(self.client.list_objects(self.bucket, recursive=True)))
        for obj in objects:
            if obj.object_name:
                modified = obj.last_modified or datetime.now(UTC)
                yield obj.object_name, modified if modified.tzinfo else modified.replace(tzinfo=UTC)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client._http.clear()
