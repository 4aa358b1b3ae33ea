"""The storage use cases: upload, verified download, delete, lock, references, scrub and sweep.

Wires the rules (``domain``), the catalogue (``store``) and the bytes (``backends``); no gRPC here.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import logging
import threading
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import uuid6

from vanthu_core.errors import DomainError, InvalidArgument, NotFound
from vanthu_storage import events
from vanthu_storage.backends import ObjectBackend, object_key
from vanthu_storage.domain.content import ZIP_MAGIC, check_declared, check_file_name, detect
from vanthu_storage.domain.retention import (
    ObjectInfo,
    check_deletable,
    check_holder,
    extended_retention,
    parse_retain_until,
    sweepable,
)
from vanthu_storage.domain.upload import UploadCheck, check_sha256
from vanthu_storage.store import ObjectStore

log = logging.getLogger("vanthu.storage")
#: Upload chunks smaller than this are gathered into blocks of this size before hashing and writing.
STAGE_BLOCK = 1024 * 1024
#: While staging, the bytes written so far are flushed to disk every this many bytes (overlapping the final fsync
#: with the upload).
SYNC_EVERY = 8 * 1024 * 1024
#: Reads come from the backend in blocks of at least this size (whole chunks when chunks are larger).
READ_BLOCK = 1024 * 1024


class DataLoss(DomainError):
    """Stored bytes do not match their digest (or are missing): never served."""

    code = grpc.StatusCode.DATA_LOSS


@dataclass(frozen=True)
class UploadMeta:
    file_name: str
    declared_content_type: str = ""
    claimed_sha256: str = ""
    size_hint: int = 0


@dataclass(frozen=True)
class CopyItem:
    """One copy of :meth:`Objects.copy_many`: ``source_agency``'s object with the digest ``sha256`` for
    ``agency_code``, named ``file_name``."""

    source_agency: str
    sha256: str
    agency_code: str
    file_name: str
    #: The W3C trace headers the new object's event continues (None: the current trace).
    trace: dict[str, str] | None = None


@dataclass
class ScrubReport:
    checked: int = 0
    bytes: int = 0
    #: Objects not served: their bytes no longer match their digest, or are missing (those are also in ``missing``).
    corrupt: list[tuple[ObjectInfo, str]] = field(default_factory=list)
    #: Catalogue rows whose bytes are missing from the backend.
    missing: list[ObjectInfo] = field(default_factory=list)
    #: Backend keys no catalogue row points to, with when they were written.
    strays: list[tuple[str, datetime]] = field(default_factory=list)
    #: Strays removed (``delete_strays``, only those older than the grace period).
    deleted_strays: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every catalogued object is whole (strays alone are reported, not a failure)."""
        return not self.corrupt


def _zip_members(path: Path) -> tuple[list[str], bytes | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:200] if "mimetype" in names else None
            return names, mimetype
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return [], None


def _writeback_starter() -> Callable[[int], None]:
    """Linux ``sync_file_range(SYNC_FILE_RANGE_WRITE)``: start writing a file's dirty pages back without waiting
    (the durability point stays the fsync before the rename); a no-op where it is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return lambda fd: None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int

    def start(fd: int) -> None:
        call(fd, 0, 0, 2)  # SYNC_FILE_RANGE_WRITE; a failure only means the final fsync does all the work

    return start


_start_writeback = _writeback_starter()


def _forget(future: asyncio.Future[Any] | None) -> None:
    """Drop a worker's result we no longer wait for (cancelled or failed alongside another error)."""
    if future is None:
        return
    if future.done():
        if not future.cancelled():
            future.exception()  # retrieved: no "exception was never retrieved" noise
    else:
        future.cancel()


class Objects:
    """Every operation takes the agency the caller acts for; ``None`` (a service token) means any agency."""

    def __init__(self, store: ObjectStore, backend: ObjectBackend, staging_dir: Path, *, max_bytes: int,
                 chunk_bytes: int = 1024 * 1024, sweep_grace: timedelta = timedelta(hours=24)) -> None:
        self.store = store
        self.backend = backend
        self.staging_dir = staging_dir
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.chunk_bytes = chunk_bytes
        self.sweep_grace = sweep_grace
        #: Staging files of the uploads in progress here: the sweep never removes those, whatever their age
        #: (a grace period of 0, or file times the kernel stamps on another clock than the sweep's).
        self._staging: set[Path] = set()

    # -- upload ---------------------------------------------------------------------------------------
    async def _stage(self, chunks: AsyncIterable[bytes], check: UploadCheck, staged: Path) -> None:
        """Write the upload to ``staged`` while hashing it, pipelined: block N is hashed and written in a worker
        thread (both release the GIL) while block N+1 arrives. The size limit is checked in the loop,
        before an oversized chunk is hashed or written. Small chunks are gathered into blocks of
        ``STAGE_BLOCK`` bytes so that the thread hand-offs stay few."""
        loop = asyncio.get_running_loop()
        handle = await asyncio.to_thread(staged.open, "wb")
        guard = threading.Lock()  # a write never overlaps the close, even when the upload fails mid-way

        unsynced = 0

        def write(block: bytes) -> None:
            nonlocal unsynced
            with guard:
                handle.write(block)
                unsynced += len(block)
                if unsynced >= SYNC_EVERY:  # start writing back as we go: the fsync before the rename is short
                    handle.flush()
                    _start_writeback(handle.fileno())
                    unsynced = 0

        def close() -> None:
            with guard:
                handle.close()

        def absorb(block: bytes) -> None:
            check.digest(block)  # then written while still in the CPU cache
            write(block)

        writing: asyncio.Future[None] | None = None

        async def dispatch(block: bytes) -> None:
            nonlocal writing
            if writing is not None:
                await writing
            writing = loop.run_in_executor(None, absorb, block)

        try:
            gathered: list[bytes] = []
            gathered_bytes = 0
            async for chunk in chunks:
                check.accept(chunk)
                if len(chunk) >= STAGE_BLOCK and not gathered:
                    await dispatch(chunk)
                    continue
                gathered.append(chunk)
                gathered_bytes += len(chunk)
                if gathered_bytes >= STAGE_BLOCK:
                    await dispatch(b"".join(gathered))
                    gathered, gathered_bytes = [], 0
            if gathered:
                await dispatch(b"".join(gathered))
            if writing is not None:
                await writing
        finally:
            _forget(writing)
            await asyncio.to_thread(close)

    async def upload(self, meta: UploadMeta, chunks: AsyncIterable[bytes], *, agency_code: str,
                     actor: str) -> tuple[ObjectInfo, bool]:
        """Stage, check and store; return (object, deduplicated: ``actor`` had uploaded these bytes already). Bad
        input stores nothing. The bytes are kept once per agency; the object once per uploader."""
        file_name = check_file_name(meta.file_name)
        check = UploadCheck(self.max_bytes, claimed_sha256=meta.claimed_sha256, size_hint=meta.size_hint)
        staged = self.staging_dir / f"{uuid6.uuid7()}.part"
        self._staging.add(staged)
        try:
            await self._stage(chunks, check, staged)
            digest = check.finish()
            names, mimetype = await asyncio.to_thread(_zip_members, staged) if check.head.startswith(ZIP_MAGIC) \
                else ([], None)
            content_type = detect(check.head, names, mimetype)
            if meta.declared_content_type:
                check_declared(meta.declared_content_type, content_type)
            key = object_key(agency_code, digest)
            # deduplicated for the same uploader only: a colleague's upload of the same bytes is their own object
            # (theirs to attach, delete, read once released), its bytes shared with the first; nothing in the reply
            # tells them the agency held these bytes already (issue 14)
            existing = await self.store.by_digest(agency_code, digest, uploaded_by=actor)
            if existing is not None:
                await self._ensure_bytes(existing, key, staged, check.size, content_type)
                return existing, True
            if await self.store.by_digest(agency_code, digest) is None:
                await self.backend.put(key, staged, check.size, content_type, keep=True)
            obj = ObjectInfo(object_id=str(uuid6.uuid7()), agency_code=agency_code, sha256=digest, size=check.size,
                             content_type=content_type, file_name=file_name, uploaded_by=actor,
                             created_at=datetime.now(UTC))
            stored, created = await self.store.add(obj, key=key, actor=actor)
            # a deletion of the same bytes that committed before our row may have removed them meanwhile
            await self._ensure_bytes(stored, key, staged, check.size, content_type)
            return stored, not created
        finally:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(staged.unlink, True)
            self._staging.discard(staged)

    async def copy(self, *, source_agency: str, sha256: str, agency_code: str, file_name: str,
                   actor: str) -> tuple[ObjectInfo, bool]:
        """A copy for ``agency_code`` of ``source_agency``'s object with the digest ``sha256`` (lower-case hex),
        made inside the backend; return (the recipient's object, deduplicated: it held these bytes already).

        The copy is the recipient's own object (its id, ``file_name``, uploader ``actor``, no references; the
        content type detected when the source was uploaded). Raises NotFound when ``source_agency`` has no object
        with that digest (or its bytes are gone), InvalidArgument for a malformed digest or file name."""
        name = check_file_name(file_name)
        digest = check_sha256("sha256", sha256)
        held = await self.store.digest_holders(digest, (source_agency, agency_code))
        source = held.get(source_agency)
        if source is None:
            raise NotFound("Không tìm thấy tệp.")
        key = object_key(agency_code, digest)
        existing = held.get(agency_code)
        if existing is not None:
            if not await self.backend.exists(key):
                log.warning("re-storing missing bytes", extra={"object_id": existing.object_id})
                await self.backend.copy(object_key(source_agency, digest), key, source.content_type)
            return existing, True
        await self.backend.copy(object_key(source_agency, digest), key, source.content_type)
        obj = ObjectInfo(object_id=str(uuid6.uuid7()), agency_code=agency_code, sha256=digest, size=source.size,
                         content_type=source.content_type, file_name=name, uploaded_by=actor,
                         created_at=datetime.now(UTC))
        stored, created = await self.store.add(obj, key=key, actor=actor)
        if not await self.backend.exists(key):  # a deletion of the same bytes that committed before our row
            await self.backend.copy(object_key(source_agency, digest), key, source.content_type)
        return stored, not created

    async def copy_many(self, items: list[CopyItem], *, actor: str) -> list[tuple[ObjectInfo, bool] | DomainError]:
        """Several copies (:meth:`copy`) at once: each item checked as :meth:`copy` checks it, the holders of the
        digests read in one read, the bytes copied inside the backend, the new objects written in one transaction
        (:meth:`ObjectStore.add_many`). One result per item, in order: (the recipient's object, deduplicated), or the
        :class:`DomainError` that item alone met (NotFound: the source agency holds no such object or its bytes are
        gone; InvalidArgument: a malformed digest or file name). The same bytes copied twice for one agency in a
        batch make one object (the later items deduplicated)."""
        results: list[tuple[ObjectInfo, bool] | DomainError] = [NotFound("Không tìm thấy tệp.")] * len(items)
        checked: list[tuple[int, CopyItem, str, str]] = []
        for index, item in enumerate(items):
            try:
                checked.append((index, item, check_file_name(item.file_name), check_sha256("sha256", item.sha256)))
            except DomainError as error:
                results[index] = error
        held = await self.store.digest_holders_of(
            {(i.source_agency, d) for _, i, _, d in checked} | {(i.agency_code, d) for _, i, _, d in checked})
        first: dict[tuple[str, str], int] = {}  # (agency, digest) → the item that makes the agency's new object
        later: list[tuple[int, int]] = []  # (item, the earlier item of the batch whose object it gets)
        work: list[tuple[int, ObjectInfo, str, ObjectInfo | None]] = []  # (item, source, key, existing)
        for index, item, name, digest in checked:
            source = held.get((item.source_agency, digest))
            if source is None:
                continue  # NotFound: the caller uploads
            existing = held.get((item.agency_code, digest))
            if existing is None and (item.agency_code, digest) in first:
                later.append((index, first[(item.agency_code, digest)]))
                continue
            if existing is None:
                first[(item.agency_code, digest)] = index
                results[index] = (ObjectInfo(
                    object_id=str(uuid6.uuid7()), agency_code=item.agency_code, sha256=digest, size=source.size,
                    content_type=source.content_type, file_name=name, uploaded_by=actor,
                    created_at=datetime.now(UTC)), False)
            else:
                results[index] = (existing, True)
            work.append((index, source, object_key(item.agency_code, digest), existing))
        copied = await asyncio.gather(*(self._copy_bytes(source, key, missing_only=existing is not None)
                                        for _, source, key, existing in work), return_exceptions=True)
        new: list[tuple[int, ObjectInfo, str]] = []  # (item, source, key): new objects to write
        for (index, source, key, existing), outcome in zip(work, copied, strict=True):
            if isinstance(outcome, DomainError):
                results[index] = outcome
            elif isinstance(outcome, BaseException):
                raise outcome
            elif existing is None:
                new.append((index, source, key))
        stored = await self.store.add_many([(results[i][0], key) for i, _, key in new],  # type: ignore[index]
                                           actor=actor, traces=[items[i].trace for i, _, _ in new])
        for (index, _, _), (obj, created) in zip(new, stored, strict=True):
            results[index] = (obj, not created)
        for index, earlier in later:
            done = results[earlier]
            results[index] = (done[0], True) if isinstance(done, tuple) else done
        # a deletion of the same bytes that committed before our rows may have removed them meanwhile
        await asyncio.gather(*(self._copy_bytes(source, key, missing_only=True) for _, source, key in new))
        return results

    async def _copy_bytes(self, source: ObjectInfo, key: str, *, missing_only: bool = False) -> None:
        """The bytes of ``source`` copied under ``key`` inside the backend; ``missing_only``: only when ``key``'s are
        missing (lost, or removed by a concurrent deletion)."""
        if missing_only:
            if await self.backend.exists(key):
                return
            log.warning("re-storing missing bytes", extra={"key": key})
        await self.backend.copy(object_key(source.agency_code, source.sha256), key, source.content_type)

    async def _ensure_bytes(self, obj: ObjectInfo, key: str, staged: Path, size: int, content_type: str) -> None:
        """Store the staged bytes again when the backend lacks them (lost, or removed by a concurrent deletion)."""
        if not await self.backend.exists(key):
            log.warning("re-storing missing bytes", extra={"object_id": obj.object_id})
            await self.backend.put(key, staged, size, content_type, keep=True)

    # -- reads ----------------------------------------------------------------------------------------
    async def find(self, *, object_id: str = "", sha256: str = "", agency_code: str | None,
                   reader: str = "") -> ObjectInfo:
        """By id, or by digest within ``agency_code`` (the ``reader``'s own upload of those bytes first: each
        uploader has their own object); another agency's object is NotFound."""
        if object_id.strip():
            return await self.store.get(object_id.strip(), agency_code)
        if sha256.strip():
            digest = check_sha256("sha256", sha256)
            if agency_code is None:
                raise InvalidArgument("sha256", "mã băm chỉ xác định tệp trong một cơ quan: hãy dùng mã tệp.")
            found = await self.store.by_digest(agency_code, digest, prefer=reader)
            if found is None:
                raise NotFound("Không tìm thấy tệp.")
            return found
        raise InvalidArgument("object_id", "chưa nhập (hoặc nhập mã băm SHA-256).")

    async def find_many(self, items: list[tuple[str, str]]) -> list[ObjectInfo | NotFound]:
        """:meth:`find` by id for several ``(object_id, agency_code)`` at once (one read): one result per item, in
        order, the object or NotFound (missing, or not the named agency's)."""
        return await self.store.get_many([(object_id.strip(), agency_code) for object_id, agency_code in items])

    async def read_verified(self, obj: ObjectInfo, offset: int = 0, length: int = 0) -> AsyncIterator[bytes]:
        """The bytes ``[offset, offset+length)`` in chunks of at most ``chunk_bytes``, checked against the
        digest while streaming.

        The whole object is hashed even for a range (the bytes outside it are read and hashed in big blocks,
        never sent); the last chunk is held back until the digest matched, so a corrupt object never reaches a
        caller as a complete, successful stream (it ends with DATA_LOSS). Reading and hashing run in a worker
        thread one block ahead of what is being sent, so disk, hash and network overlap.
        """
        if offset < 0 or offset > obj.size:
            raise InvalidArgument("offset", f"phải từ 0 đến dung lượng của tệp ({obj.size}).")
        if length < 0:
            raise InvalidArgument("length", "phải là 0 (đến hết tệp) hoặc số byte dương.")
        end = obj.size if length == 0 else min(obj.size, offset + length)
        digest = hashlib.sha256()
        chunk = self.chunk_bytes
        blocks = self.backend.blocks(object_key(obj.agency_code, obj.sha256), max(chunk, READ_BLOCK))
        guard = threading.Lock()  # one step at a time, and the close only after the last step
        loop = asyncio.get_running_loop()

        def step() -> bytes | None:
            with guard:
                block = next(blocks, None)
                if block is not None:
                    digest.update(block)
                return block

        def close() -> None:
            with guard:
                blocks.close()

        position = 0
        pending: bytes | None = None
        ahead: asyncio.Future[bytes | None] | None = loop.run_in_executor(None, step)
        try:
            while ahead is not None:
                try:
                    block = await ahead
                except NotFound as exc:
                    raise DataLoss(f"Nội dung tệp {obj.object_id} không còn trong kho lưu trữ; hãy báo quản trị "
                                   "hệ thống.") from exc
                if block is None:
                    ahead = None
                    break
                ahead = loop.run_in_executor(None, step)  # the next block is read and hashed meanwhile
                start, stop = max(offset, position) - position, min(end, position + len(block)) - position
                position += len(block)
                if start >= stop:
                    continue
                if start == 0 and stop == len(block) <= chunk:
                    pieces: list[bytes] = [block]  # the common case: the block goes out as it is
                else:
                    view = memoryview(block)
                    pieces = [bytes(view[i:min(i + chunk, stop)]) for i in range(start, stop, chunk)]
                for piece in pieces:
                    if pending is not None:
                        yield pending
                    pending = piece
        finally:
            _forget(ahead)
            await asyncio.to_thread(close)
        if position != obj.size or digest.hexdigest() != obj.sha256:
            log.error("integrity check failed", extra={"object_id": obj.object_id, "agency": obj.agency_code,
                                                       "read_bytes": position, "size": obj.size})
            raise DataLoss(f"Tệp {obj.object_id} trong kho đã bị hỏng (nội dung không còn khớp mã băm SHA-256) nên "
                           "không được tải về; hãy báo quản trị hệ thống.")
        if pending is not None:
            yield pending

    # -- changes --------------------------------------------------------------------------------------
    async def delete(self, obj_id: str, agency_code: str | None, *, actor: str, reason: str = "requested",
                     now: datetime | None = None) -> None:
        """Delete an object: refused (FailedPrecondition) while anything refers to it, while it is retained or on
        legal hold. The row's deletion commits first, then the bytes go; a crash in between leaves a pending
        deletion that the next sweep finishes."""
        moment = now or datetime.now(UTC)
        obj = await self.store.delete(obj_id, agency_code, lambda o: check_deletable(o, moment),
                                      key=lambda o: object_key(o.agency_code, o.sha256), actor=actor, reason=reason)
        await self.store.finish_deletion(object_key(obj.agency_code, obj.sha256), self.backend.delete)

    async def lock(self, obj_id: str, agency_code: str | None, *, retain_until: str, legal_hold: bool | None,
                   actor: str) -> ObjectInfo:
        now = datetime.now(UTC)
        requested = parse_retain_until(retain_until, now) if retain_until.strip() else None
        if requested is None and legal_hold is None:
            raise InvalidArgument("retain_until", "hãy nhập ngày giữ đến hoặc thay đổi phong tỏa (hoặc cả hai).")

        def change(old: ObjectInfo) -> ObjectInfo:
            until = extended_retention(old.retain_until, requested) if requested is not None else old.retain_until
            return replace(old, retain_until=until, legal_hold=old.legal_hold if legal_hold is None else legal_hold)

        async def apply(old: ObjectInfo, new: ObjectInfo) -> None:
            await self.backend.lock(object_key(new.agency_code, new.sha256),
                                    new.retain_until if new.retain_until != old.retain_until else None,
                                    legal_hold)

        return await self.store.update(obj_id, agency_code, change, event=lambda new: events.locked(new, actor),
                                       effect=apply)

    async def record_read(self, obj: ObjectInfo, *, actor: str, reader: str, offset: int, length: int) -> bool:
        """Announce a read of a locked object (retention or legal hold in force: what the agency archive deposits)
        as ``vanthu.storage.object.read``, committed before the bytes go out, so no path past storage escapes the
        archive's access log (records keeps it; Decree 30/2020 Appendix VI). Whether an event was written."""
        if not obj.retained_at(datetime.now(UTC)):
            return False
        await self.store.record(events.read(obj, actor, reader, offset, length))
        return True

    async def add_reference(self, obj_id: str, agency_code: str, holder: str, *, actor: str) -> ObjectInfo:
        """Record that ``holder`` (``<service>/<kind>/<id>``) refers to the object; idempotent."""
        return await self.store.add_reference(obj_id, agency_code, check_holder(holder), actor=actor)

    async def add_references(self, items: list[tuple[str, str, str]], *, actor: str) -> list[ObjectInfo | DomainError]:
        """Several references (``(object_id, agency_code, holder)`` each) recorded in one transaction; one result per
        item, in order: the object, or what that item alone met (InvalidArgument for a malformed holder, NotFound
        for an object not the named agency's)."""
        results: list[ObjectInfo | DomainError | None] = [None] * len(items)
        valid: list[tuple[str, str, str]] = []
        places: list[int] = []
        for index, (object_id, agency_code, holder) in enumerate(items):
            try:
                valid.append((object_id, agency_code, check_holder(holder)))
                places.append(index)
            except DomainError as error:
                results[index] = error
        for index, recorded in zip(places, await self.store.add_references(valid, actor=actor), strict=True):
            results[index] = recorded
        return [r for r in results if r is not None]

    async def release_reference(self, obj_id: str, agency_code: str, holder: str) -> ObjectInfo | None:
        """End ``holder``'s reference; idempotent (None when the object is gone)."""
        return await self.store.release_reference(obj_id, agency_code, check_holder(holder))

    # -- maintenance ----------------------------------------------------------------------------------
    async def scrub(self, *, delete_strays: bool = False, now: datetime | None = None) -> ScrubReport:
        """Read every object back and check it against its digest; then list the backend's strays (keys no
        catalogue row points to, e.g. left by a crash between storing the bytes and committing the row).

        With ``delete_strays``, strays older than the sweep grace period are removed (younger ones may be an
        upload about to commit its row); a stray the backend's lock refuses to remove is only reported.
        """
        report = ScrubReport()
        expected: set[str] = set()
        async for obj in self.store.all():
            report.checked += 1
            expected.add(object_key(obj.agency_code, obj.sha256))
            try:
                async for block in self.read_verified(obj):
                    report.bytes += len(block)
            except DataLoss as error:
                report.corrupt.append((obj, error.message))
                if isinstance(error.__cause__, NotFound):
                    report.missing.append(obj)
        cutoff = (now or datetime.now(UTC)) - self.sweep_grace
        async for key, modified in self.backend.iter_entries():
            if key in expected:
                continue
            report.strays.append((key, modified))
            if delete_strays and modified <= cutoff and not await self._catalogued(key):
                try:
                    await self.backend.delete(key)
                    report.deleted_strays.append(key)
                    log.warning("stray object removed", extra={"key": key})
                except DomainError as error:
                    log.warning("stray object kept", extra={"key": key, "reason": error.message})
        return report

    async def _catalogued(self, key: str) -> bool:
        """Whether a row points to ``key`` now (re-checked just before removing a stray)."""
        sha256 = key.rsplit("/", 1)[-1]
        return any(object_key(o.agency_code, o.sha256) == key for o in await self.store.with_digest(sha256))

    async def sweep(self, now: datetime | None = None) -> int:
        """Remove objects nothing refers to, uploaded and last released more than the grace period before ``now``
        (never retained or held ones); return how many. Also finishes deletions a crash left half done and removes
        staging files older than the grace period (left by a crash mid-upload; never those of uploads in progress)."""
        moment = now or datetime.now(UTC)
        for key in await self.store.pending_deletions():
            try:
                await self.store.finish_deletion(key, self.backend.delete)
            except DomainError as error:
                log.warning("pending deletion kept", extra={"key": key, "reason": error.message})
        removed = 0
        for obj in await self.store.unreferenced_before(moment - self.sweep_grace):
            if not sweepable(obj, moment, self.sweep_grace):
                continue
            try:
                await self.delete(obj.object_id, None, actor="storage-sweeper", reason="sweep", now=moment)
                removed += 1
            except DomainError as error:
                log.warning("sweep skipped an object", extra={"object_id": obj.object_id, "reason": error.message})
        cutoff = moment.timestamp() - self.sweep_grace.total_seconds()
        for leftover in self.staging_dir.glob("*.part"):
            if leftover in self._staging:
                continue
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
        return removed
