"""Deposit (nộp lưu) and keeping archived files intact (Decree 30/2020 Art. 30–31; issue 16 items 3–4).

On accept, every object of every document of the file is locked in storage for the retention period counted from
the deposit (a retain-until date; permanent retention has no end date and takes a legal hold instead); every signed
PDF is augmented to PAdES B-LTA by signing (revocation data and a document timestamp) and the augmented object is
locked the same way. The record keeps each file's chain of versions (deposited, then each augmented one) and points
to the newest.

The re-timestamp job (:func:`renew`): archived PDFs whose last document timestamp expires within N days are augmented
again (a new object, locked), so a signature outlives its certificates; each run adds a version to the chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from vanthu_core.timeutil import iso_vietnam, vietnam_time
from vanthu_records.domain import files as rules
from vanthu_records.platform import Platform
from vanthu_records.store import Actor, FileView, ObjectVersion, RecordedFile, RecordsStore

log = logging.getLogger("vanthu.records")
PDF = "application/pdf"


def _is_pdf(f: RecordedFile) -> bool:
    return f.content_type == PDF or f.file_name.lower().endswith(".pdf")


async def _lock_version(platform: Platform, token: str, version: ObjectVersion, until: date | None,
                        kind: str) -> ObjectVersion:
    locked = await platform.lock(token, version.object_id, until, until is None)
    return replace(version, kind=kind, sha256=locked.sha256 or version.sha256, size=locked.size,
                   retain_until=locked.retain_until, legal_hold=until is None)


async def _augment(platform: Platform, token: str, f: RecordedFile, until: date | None,
                   created_at: str) -> ObjectVersion | None:
    augmented = await platform.augment_lta(token, f.newest.object_id, f.file_name)
    if augmented is None:
        return None
    version = ObjectVersion(object_id=augmented.object_id, sha256=augmented.sha256, size=augmented.size,
                            kind="augmented", created_at=created_at,
                            timestamp_expires_at=augmented.timestamp_expires_at)
    return await _lock_version(platform, token, version, until, "augmented")


async def accept(store: RecordsStore, platform: Platform, token: str, view: FileView, actor: Actor,
                 clock: Callable[[], datetime]) -> FileView:
    """Lock and augment the file's objects, then record the deposit (state ``deposited``) with the version chains.

    Storage refuses (FailedPrecondition, NotFound) propagate and leave the file submitted; locking is idempotent
    (retention only extends), so the archivist repeats the acceptance."""
    now = clock()
    today = vietnam_time(now).date()
    until = rules.retain_until(today, view.row.retention_years)
    chains: dict[str, list[RecordedFile]] = {}
    for doc in view.documents:
        out = []
        for f in doc.files:
            versions = list(f.versions)
            versions[-1] = await _lock_version(platform, token, versions[-1], until, "deposited")
            chain = replace(f, versions=versions)
            if _is_pdf(f):
                augmented = await _augment(platform, token, chain, until, iso_vietnam(now))
                if augmented is not None:
                    chain.versions.append(augmented)
            out.append(chain)
        chains[doc.meta.document_id] = out

    def change(row: object) -> None:
        row.deposited_at = now  # type: ignore[attr-defined]
        row.deposited_by = actor.username  # type: ignore[attr-defined]

    return await store.act(view.row.agency_code, view.row.id, view.row.version, rules.FileAction.ACCEPT, actor,
                           change=change, files=chains)


def _expires_soon(version: ObjectVersion, horizon: datetime) -> bool:
    if version.kind != "augmented" or not version.timestamp_expires_at:
        return False
    try:
        expires = datetime.fromisoformat(version.timestamp_expires_at)
    except ValueError:
        return False
    return expires <= horizon


async def renew(store: RecordsStore, platform: Platform, token: str, clock: Callable[[], datetime], *,
                within_days: int, actor: Actor, agency: str = "") -> int:
    """Augment again every archived PDF (of ``agency``, or all) whose last timestamp expires within
    ``within_days``; each new object is locked and appended to its chain. Returns how many versions were added."""
    now = clock()
    horizon = now + timedelta(days=within_days)
    renewed = 0
    for view in await store.archived():
        if agency and view.row.agency_code != agency:
            continue
        until = rules.retain_until(vietnam_time(view.row.deposited_at or now).date(), view.row.retention_years)
        chains: dict[str, list[RecordedFile]] = {}
        for doc in view.documents:
            changed = False
            out = []
            for f in doc.files:
                chain = replace(f, versions=list(f.versions))
                if _is_pdf(f) and _expires_soon(f.newest, horizon):
                    augmented = await _augment(platform, token, chain, until, iso_vietnam(now))
                    if augmented is not None:
                        chain.versions.append(augmented)
                        changed = True
                        renewed += 1
                out.append(chain)
            if changed:
                chains[doc.meta.document_id] = out
        if chains:
            await store.act(view.row.agency_code, view.row.id, view.row.version, rules.FileAction.RENEW, actor,
                            files=chains, comment=f"{sum(len(c) for c in chains.values())} tệp được gia hạn dấu "
                                                  "thời gian")
            log.info("archived signatures re-timestamped", extra={"file_id": view.row.id})
    return renewed
