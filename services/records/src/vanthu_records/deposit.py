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

from vanthu_core.errors import DomainError
from vanthu_core.service_token import ServiceTokens
from vanthu_core.timeutil import iso_vietnam, vietnam_time
from vanthu_records.domain import files as rules
from vanthu_records.platform import Platform
from vanthu_records.store import Actor, FileView, ObjectVersion, RecordedFile, RecordsStore

log = logging.getLogger("vanthu.records")
PDF = "application/pdf"


def _is_pdf(f: RecordedFile) -> bool:
    return f.content_type == PDF or f.file_name.lower().endswith(".pdf")


async def _lock_version(platform: Platform, token: str, version: ObjectVersion, until: date | None,
                        kind: str, agency: str) -> ObjectVersion:
    locked = await platform.lock(token, version.object_id, until, until is None, agency)
    return replace(version, kind=kind, sha256=locked.sha256 or version.sha256, size=locked.size,
                   retain_until=locked.retain_until, legal_hold=until is None)


async def _augment(platform: Platform, token: str, f: RecordedFile, until: date | None,
                   created_at: str, agency: str) -> ObjectVersion | None:
    augmented = await platform.augment_lta(token, f.newest.object_id, f.file_name, agency)
    if augmented is None:
        return None
    version = ObjectVersion(object_id=augmented.object_id, sha256=augmented.sha256, size=augmented.size,
                            kind="augmented", created_at=created_at,
                            timestamp_expires_at=augmented.timestamp_expires_at)
    return await _lock_version(platform, token, version, until, "augmented", agency)


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
            versions[-1] = await _lock_version(platform, token, versions[-1], until, "deposited",
                                               view.row.agency_code)
            chain = replace(f, versions=versions)
            if _is_pdf(f):
                augmented = await _augment(platform, token, chain, until, iso_vietnam(now), view.row.agency_code)
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
                within_days: int, actor: Actor, agency: str = "", keep_going: bool = False) -> int:
    """Augment again every archived PDF (of ``agency``, or all) whose last timestamp expires within
    ``within_days``; each new object is locked and appended to its chain. Returns how many versions were added.

    ``token``: an archivist's (``agency`` theirs), or the records service's own (the scheduled run over every
    agency): each call to storage and signing names the file's agency, which a person's token must match.
    ``keep_going``: a file that fails (a service's refusal, the TSA away) is logged and left for the next run while
    the others go on (the scheduled run); otherwise the first failure propagates (the archivist's call)."""
    now = clock()
    horizon = now + timedelta(days=within_days)
    renewed = 0
    for view in await store.archived():
        if agency and view.row.agency_code != agency:
            continue
        try:
            renewed += await _renew_file(store, platform, token, view, now, horizon, actor)
        except DomainError as error:
            if not keep_going:
                raise
            log.warning("an archived file could not be re-timestamped; the next run tries again",
                        extra={"file_id": view.row.id, "agency": view.row.agency_code, "error": str(error)})
    return renewed


async def _renew_file(store: RecordsStore, platform: Platform, token: str, view: FileView, now: datetime,
                      horizon: datetime, actor: Actor) -> int:
    renewed = 0
    until = rules.retain_until(vietnam_time(view.row.deposited_at or now).date(), view.row.retention_years)
    chains: dict[str, list[RecordedFile]] = {}
    for doc in view.documents:
        changed = False
        out = []
        for f in doc.files:
            chain = replace(f, versions=list(f.versions))
            if _is_pdf(f) and _expires_soon(f.newest, horizon):
                augmented = await _augment(platform, token, chain, until, iso_vietnam(now),
                                           view.row.agency_code)
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


#: Who the scheduled re-timestamping is in the file's history (the records service's own client).
SCHEDULED_ACTOR = Actor(subject="", username="service-account-vanthu-records",
                        name="Dịch vụ lưu trữ (gia hạn dấu thời gian định kỳ)")


class Renewal:
    """The scheduled re-timestamping (issue 16 item 4): every archived PDF of every agency whose last document
    timestamp expires within ``within_days`` of the (injected) clock is augmented again, with the records service's
    own token naming each file's agency (storage's ``Lock`` and signing's ``AugmentLta`` admit the records client for
    the agency it names; ``vanthu_core.policy``). The server calls :meth:`run` every ``renew_interval_s``."""

    def __init__(self, store: RecordsStore, platform: Platform, tokens: ServiceTokens, *,
                 clock: Callable[[], datetime], within_days: int) -> None:
        self.store = store
        self.platform = platform
        self.tokens = tokens
        self.clock = clock
        self.within_days = within_days

    async def run(self) -> int:
        """One round: how many versions it added. A file that fails is left for the next round (logged)."""
        token = await self.tokens.token()
        renewed = await renew(self.store, self.platform, token, self.clock, within_days=self.within_days,
                              actor=SCHEDULED_ACTOR, keep_going=True)
        if renewed:
            log.info("scheduled re-timestamping", extra={"count": renewed})
        return renewed
