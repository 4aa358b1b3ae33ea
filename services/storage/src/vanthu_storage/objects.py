"""The storage use cases: upload, verified download, delete, lock, attach, scrub and sweep.

Wires the rules (``domain``), the catalogue (``store``) and the bytes (``backends``); no gRPC here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import zipfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import grpc
import uuid6

from vanthu_core.errors import DomainError, InvalidArgument, NotFound
from vanthu_storage.backends import ObjectBackend, object_key
from vanthu_storage.domain.content import ZIP_MAGIC, check_declared, check_file_name, detect
from vanthu_storage.domain.retention import (
    ObjectInfo,
    check_deletable,
    extended_retention,
    parse_retain_until,
    sweepable,
)
from vanthu_storage.domain.upload import UploadCheck, check_sha256
from vanthu_storage.store import LOCKED, ObjectStore

log = logging.getLogger("vanthu.storage")


class DataLoss(DomainError):
    """Stored bytes do not match their digest (or are missing): never served."""

    code = grpc.StatusCode.DATA_LOSS


@dataclass(frozen=True)
class UploadMeta:
    file_name: str
    declared_content_type: str = ""
    claimed_sha256: str = ""
    size_hint: int = 0


@dataclass
class ScrubReport:
    checked: int = 0
    bytes: int = 0
    corrupt: list[tuple[ObjectInfo, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.corrupt


def _zip_members(path: Path) -> tuple[list[str], bytes | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:200] if "mimetype" in names else None
            return names, mimetype
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return [], None


class Objects:
    """Every operation takes the agency the caller acts for; ``None`` (a service token) means any agency."""

    def __init__(self, store: ObjectStore, backend: ObjectBackend, staging_dir: Path, *, max_bytes: int,
                 chunk_bytes: int = 256 * 1024, sweep_grace: timedelta = timedelta(hours=24)) -> None:
        self.store = store
        self.backend = backend
        self.staging_dir = staging_dir
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.chunk_bytes = chunk_bytes
        self.sweep_grace = sweep_grace

    # -- upload ---------------------------------------------------------------------------------------
    @staticmethod
    def _write(handle: BinaryIO, check: UploadCheck, chunk: bytes) -> None:
        check.feed(chunk)
        handle.write(chunk)

    async def upload(self, meta: UploadMeta, chunks: AsyncIterable[bytes], *, agency_code: str,
                     actor: str) -> tuple[ObjectInfo, bool]:
        """Stage, check and store; return (object, deduplicated). Bad input stores nothing."""
        file_name = check_file_name(meta.file_name)
        check = UploadCheck(self.max_bytes, claimed_sha256=meta.claimed_sha256, size_hint=meta.size_hint)
        staged = self.staging_dir / f"{uuid6.uuid7()}.part"
        try:
            handle = await asyncio.to_thread(staged.open, "wb")
            try:
                async for chunk in chunks:
                    await asyncio.to_thread(self._write, handle, check, chunk)
            finally:
                await asyncio.to_thread(handle.close)
            digest = check.finish()
            names, mimetype = await asyncio.to_thread(_zip_members, staged) if check.head.startswith(ZIP_MAGIC) \
                else ([], None)
            content_type = detect(check.head, names, mimetype)
            if meta.declared_content_type:
                check_declared(meta.declared_content_type, content_type)
            key = object_key(agency_code, digest)
            existing = await self.store.by_digest(agency_code, digest)
            if existing is not None:
                if not await self.backend.exists(key):  # repair bytes lost from storage
                    log.warning("re-storing missing bytes", extra={"object_id": existing.object_id})
                    await self.backend.put(key, staged, check.size, content_type)
                return existing, True
            await self.backend.put(key, staged, check.size, content_type)
            obj = ObjectInfo(object_id=str(uuid6.uuid7()), agency_code=agency_code, sha256=digest, size=check.size,
                             content_type=content_type, file_name=file_name, uploaded_by=actor,
                             created_at=datetime.now(UTC))
            stored, created = await self.store.add(obj, actor=actor)
            return stored, not created
        finally:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(staged.unlink, True)

    # -- reads ----------------------------------------------------------------------------------------
    async def find(self, *, object_id: str = "", sha256: str = "", agency_code: str | None) -> ObjectInfo:
        """By id, or by digest within ``agency_code``; another agency's object is NotFound."""
        if object_id.strip():
            return await self.store.get(object_id.strip(), agency_code)
        if sha256.strip():
            digest = check_sha256("sha256", sha256)
            if agency_code is None:
                raise InvalidArgument("sha256", "a digest names an object only within an agency; use object_id")
            found = await self.store.by_digest(agency_code, digest)
            if found is None:
                raise NotFound("no such object")
            return found
        raise InvalidArgument("object_id", "is required (or sha256)")

    async def read_verified(self, obj: ObjectInfo, offset: int = 0, length: int = 0) -> AsyncIterator[bytes]:
        """The bytes ``[offset, offset+length)`` in chunks, checked against the digest while streaming.

        The whole object is hashed even for a range; the last chunk is held back until the digest matched, so
        a corrupt object never reaches a caller as a complete, successful stream (it ends with DATA_LOSS).
        """
        if offset < 0 or offset > obj.size:
            raise InvalidArgument("offset", f"must be between 0 and the object's size ({obj.size})")
        if length < 0:
            raise InvalidArgument("length", "must be 0 (to the end) or a positive number of bytes")
        end = obj.size if length == 0 else min(obj.size, offset + length)
        digest = hashlib.sha256()
        position = 0
        out = bytearray()
        pending: bytes | None = None
        try:
            async for block in self.backend.read(object_key(obj.agency_code, obj.sha256)):
                await asyncio.to_thread(digest.update, block) if len(block) > 65536 else digest.update(block)
                start, stop = max(offset, position), min(end, position + len(block))
                if start < stop:
                    out += block[start - position:stop - position]
                position += len(block)
                while len(out) >= self.chunk_bytes:
                    if pending is not None:
                        yield pending
                    pending = bytes(out[:self.chunk_bytes])
                    del out[:self.chunk_bytes]
        except NotFound as exc:
            raise DataLoss(f"the bytes of object {obj.object_id} are missing from storage") from exc
        if position != obj.size or digest.hexdigest() != obj.sha256:
            log.error("integrity check failed", extra={"object_id": obj.object_id, "agency": obj.agency_code,
                                                       "read_bytes": position, "size": obj.size})
            raise DataLoss(f"object {obj.object_id} is corrupt in storage (its content no longer matches its "
                           "SHA-256); it is not served")
        if pending is not None:
            yield pending
        if out:
            yield bytes(out)

    # -- changes --------------------------------------------------------------------------------------
    async def delete(self, obj_id: str, agency_code: str | None, *, actor: str, reason: str = "requested") -> None:
        now = datetime.now(UTC)

        async def remove(obj: ObjectInfo) -> None:
            await self.backend.delete(object_key(obj.agency_code, obj.sha256))

        await self.store.delete(obj_id, agency_code, lambda o: check_deletable(o, now), remove, actor=actor,
                                reason=reason)

    async def lock(self, obj_id: str, agency_code: str | None, *, retain_until: str, legal_hold: bool | None,
                   actor: str) -> ObjectInfo:
        now = datetime.now(UTC)
        requested = parse_retain_until(retain_until, now) if retain_until.strip() else None
        if requested is None and legal_hold is None:
            raise InvalidArgument("retain_until", "give a retention date or a legal hold change (or both)")

        def change(old: ObjectInfo) -> ObjectInfo:
            until = extended_retention(old.retain_until, requested) if requested is not None else old.retain_until
            return replace(old, retain_until=until, legal_hold=old.legal_hold if legal_hold is None else legal_hold)

        async def apply(old: ObjectInfo, new: ObjectInfo) -> None:
            await self.backend.lock(object_key(new.agency_code, new.sha256),
                                    new.retain_until if new.retain_until != old.retain_until else None,
                                    legal_hold)

        return await self.store.update(obj_id, agency_code, change, actor=actor, subject=LOCKED, effect=apply)

    async def attach(self, obj_id: str, agency_code: str | None, *, actor: str) -> ObjectInfo:
        return await self.store.update(obj_id, agency_code, lambda o: replace(o, attached=True), actor=actor)

    # -- maintenance ----------------------------------------------------------------------------------
    async def scrub(self) -> ScrubReport:
        """Read every object back and check it against its digest."""
        report = ScrubReport()
        async for obj in self.store.all():
            report.checked += 1
            try:
                async for block in self.read_verified(obj):
                    report.bytes += len(block)
            except DataLoss as error:
                report.corrupt.append((obj, error.message))
        return report

    async def sweep(self, now: datetime | None = None) -> int:
        """Remove unattached objects older than the grace period (never retained or held ones); return how many.

        Also removes staging files older than the grace period (left by a crash mid-upload).
        """
        moment = now or datetime.now(UTC)
        removed = 0
        for obj in await self.store.unattached_before(moment - self.sweep_grace):
            if not sweepable(obj, moment, self.sweep_grace):
                continue
            try:
                await self.delete(obj.object_id, None, actor="storage-sweeper", reason="sweep")
                removed += 1
            except DomainError as error:
                log.warning("sweep skipped an object", extra={"object_id": obj.object_id, "reason": error.message})
        cutoff = time.time() - self.sweep_grace.total_seconds()
        for leftover in self.staging_dir.glob("*.part"):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
        return removed
