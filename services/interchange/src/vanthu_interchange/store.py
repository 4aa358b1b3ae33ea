"""What interchange keeps (SQLAlchemy 2, async): packages, deliveries with their statuses, receipts; events through
the outbox.

- ``packages``: every edXML package built here or received (the bytes; they never travel on NATS).
- ``deliveries``: one per package and recipient sent from here (kind ``edoc``: an issued document to one
  recipient; kind ``status``: an answer to the sender of an arrival). ``key`` makes a redelivered event's work
  happen once: ``edoc/<document>/<recipient>``, ``status/<arrival>/<code>/<source event>``.
- ``delivery_statuses``: the statuses recipients sent back for an ``edoc`` delivery (the sender's timeline), once
  per status package.
  A delivery through the national axis keeps the axis's id of its package (``transport_id``, the DocID) and is
  marked ``in_flight_at`` while sendEdoc is being called (not idempotent: see :meth:`InterchangeStore.begin_attempt`).
- ``receipts``: one per package taken in for an agency of this installation, keyed by the package's transport id and
  the recipient, saying what came of it (an arrival, returned with a reason, a status recorded).

Each method is one transaction; the events that announce a change are written in it (transactional outbox).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from google.protobuf.message import Message
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu_core.db import UtcDateTime
from vanthu_core.errors import FailedPrecondition
from vanthu_core.events import continuing
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event, add_events, outbox_table, trace_headers
from vanthu_core.timeutil import Clock, utc_now
from vanthu_interchange.metrics import METRICS

if TYPE_CHECKING:
    from vanthu_edxml import StatusPackage

metadata = MetaData()
outbox = outbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class PackageRow(Base):
    __tablename__ = "packages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: edoc | status
    kind: Mapped[str] = mapped_column(String(10))
    sender_code: Mapped[str] = mapped_column(String(35))
    #: The package's DocumentId (edoc) or its ResponseFor's (status).
    edxml_document_id: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("key", name="uq_deliveries_key"),
                      Index("ix_deliveries_document", "sender_code", "document_id"),
                      Index("ix_deliveries_answer", "kind", "edxml_document_id", "recipient_code"),
                      Index("ix_deliveries_due", "state", "next_attempt_at"),
                      Index("ix_deliveries_transport", "transport_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"))
    kind: Mapped[str] = mapped_column(String(10))
    #: The registry document the delivery is about: the outgoing document (edoc), the arrival answered (status).
    document_id: Mapped[str] = mapped_column(String(36))
    edxml_document_id: Mapped[str] = mapped_column(String(300))
    sender_code: Mapped[str] = mapped_column(String(35))
    recipient_code: Mapped[str] = mapped_column(String(35))
    recipient_name: Mapped[str] = mapped_column(String(300), default="")
    #: local | axis | peer | none
    route: Mapped[str] = mapped_column(String(10))
    #: pending | sent | failed | cancelled
    state: Mapped[str] = mapped_column(String(10))
    #: The status code a status delivery carries.
    status_code: Mapped[str] = mapped_column(String(2), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: The package's id on its transport once sent (the national axis's DocID); empty for local deliveries.
    transport_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: When an attempt that cannot be repeated safely (sendEdoc) began; cleared with its outcome.
    in_flight_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Thu hồi (edoc): "" | pending (13 sent) | accepted (15) | refused (16) | cancelled (not sent: cancelled here)
    revocation: Mapped[str] = mapped_column(String(10), default="")
    revocation_reason: Mapped[str] = mapped_column(Text, default="")


class DeliveryStatusRow(Base):
    __tablename__ = "delivery_statuses"
    __table_args__ = (UniqueConstraint("delivery_id", "package_id", name="uq_delivery_statuses_package"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), index=True)
    package_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text, default="")
    staff: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReceiptRow(Base):
    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("transport_id", "recipient_code", name="uq_receipts_transport"),
                      Index("ix_receipts_arrival", "recipient_code", "document_id"),
                      Index("ix_receipts_document", "kind", "edxml_document_id", "recipient_code"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: The package's id on the way it came (this installation's package id, or the axis's DocID).
    transport_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"))
    kind: Mapped[str] = mapped_column(String(10))
    recipient_code: Mapped[str] = mapped_column(String(35))
    sender_code: Mapped[str] = mapped_column(String(35), default="")
    edxml_document_id: Mapped[str] = mapped_column(String(300), default="")
    #: What a status package answering it names (ResponseFor: organ_id, code, promulgation_date, document_id).
    response_for: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: accepted (an arrival) | returned (status 02 sent) | recorded (a status) | held (kept, not acted on)
    outcome: Mapped[str] = mapped_column(String(10))
    document_id: Mapped[str] = mapped_column(String(36), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AxisRequestRow(Base):
    """Signed headers the provincial axis accepted (their hash), kept until their timestamp can no longer pass the
    skew check: the same headers again are a replay whichever replica of interchange they reach (regulations.md
    §2.3; the national axis's own behaviour here is unknown)."""
    __tablename__ = "axis_requests_seen"
    __table_args__ = (Index("ix_axis_requests_seen_expires", "expires_at"),)

    #: The request's HMAC (hex), as its hash header carried it.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


#: The tables, for the hot paths' Core statements (no unit of work, no identity map: issue 12's profiles showed the
#: ORM's flushes and loads among the largest costs of a letter); the rows they read come back as detached ORM objects
#: (:func:`_detached`), as the other methods' do, so callers see one shape.
PACKAGES = cast(Table, PackageRow.__table__)
DELIVERIES = cast(Table, DeliveryRow.__table__)
DELIVERY_STATUSES = cast(Table, DeliveryStatusRow.__table__)
RECEIPTS = cast(Table, ReceiptRow.__table__)


def _detached(model: Any, row: Any) -> Any:
    """A detached instance of ``model`` holding ``row``'s columns (a Core result row)."""
    return model(**row._mapping)


def _values(obj: Any) -> dict[str, Any]:
    """The column values ``obj`` (a new ORM object, never added to a session) was given; a column it was not given
    takes its default in the insert, as the ORM would have."""
    given = obj.__dict__
    return {c.key: given[c.key] for c in obj.__table__.columns if c.key in given}


def _delivery(package: NewPackage, d: NewDelivery, now: datetime) -> DeliveryRow:
    """The row of delivery ``d`` of ``package``, every column given (it is returned to the caller as written)."""
    return DeliveryRow(id=new_id(), key=d.key, package_id=package.package_id, kind=package.kind,
                       document_id=package.document_id, edxml_document_id=package.edxml_document_id,
                       sender_code=package.sender_code, recipient_code=d.recipient_code,
                       recipient_name=d.recipient_name, route=d.route, state=d.state, status_code=d.status_code,
                       attempts=1 if d.state == "sent" else 0, last_error=d.last_error, created_at=now,
                       sent_at=now if d.state == "sent" else None,
                       next_attempt_at=now if d.state == "pending" else None, transport_id="", in_flight_at=None,
                       revocation="", revocation_reason="")


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to write with its package: who receives it, how, and in which state."""

    key: str
    recipient_code: str
    recipient_name: str
    route: str
    state: str
    last_error: str = ""
    status_code: str = ""


@dataclass(frozen=True)
class NewPackage:
    """A package to write with its deliveries (:meth:`InterchangeStore.add_package`); ``events(rows)``: the events
    announcing the new delivery rows."""

    package_id: str
    kind: str
    sender_code: str
    edxml_document_id: str
    body: bytes
    sha256: str
    document_id: str
    deliveries: list[NewDelivery]
    events: Callable[[list[DeliveryRow]], list[Message]]
    #: A status package's model (what reading ``body`` back gives), for a receiver taking it in at once.
    status: StatusPackage | None = None
    #: The trace its events continue when it is written with others (:meth:`InterchangeStore.add_packages`; W3C
    #: headers); the current one when None.
    trace: dict[str, str] | None = None


@dataclass(frozen=True)
class StatusTakeIn:
    """A status package taken in for ``sender_code`` (the agency whose ``kind`` delivery of ``edxml_document_id`` to
    ``reporter_code`` it answers): the status recorded on that delivery and the package's receipt
    (:meth:`InterchangeStore.add_status_receipt`). ``package_id``: the status package's transport id (its receipt's);
    ``events(delivery)``: the events announcing a change the status made to the delivery (called only then);
    ``receipt(delivery)``: the receipt and its events, given the delivery the status was recorded on or None."""

    kind: str
    edxml_document_id: str
    reporter_code: str
    sender_code: str
    package_id: str
    code: str
    description: str
    staff: str
    at: datetime | None
    events: Callable[[DeliveryRow], list[Message]]
    receipt: Callable[[DeliveryRow | None], tuple[ReceiptRow, list[Message]]]


@dataclass
class NewReceipt:
    """One receipt of :meth:`InterchangeStore.add_receipts`: :meth:`InterchangeStore.add_receipt`'s arguments."""

    receipt: ReceiptRow
    events: list[Message]
    answer: NewPackage | None = None
    answer_taken_in: StatusTakeIn | None = None
    #: The trace its events continue (W3C headers: the message it came in); the current one when None.
    trace: dict[str, str] | None = None


async def _add_events(session: AsyncSession, events: list[Message]) -> None:
    """Write ``events`` (each with the current trace headers) to the outbox in ``session``'s transaction: at once,
    or, inside :func:`_events_together`, kept and written with the others at its end, in the same order (so the
    outbox holds them in the order they were made either way)."""
    made = [(event, trace_headers()) for event in events]
    kept = session.info.get("events")
    if kept is None:
        await add_events(session, outbox, made)
    else:
        kept.extend(made)


async def _insert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``, one statement for the rows that give the same columns, in their order."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for group in groups.values():
        await session.execute(insert(table), group)


@contextlib.asynccontextmanager
async def _events_together(session: AsyncSession) -> AsyncIterator[None]:
    """The events a batch's writes make (:func:`_add_events`) written in one statement when the block ends (a
    batch of 64 letters made ~3 outbox statements a letter; issue 12's bench); nothing written when it raises."""
    session.info["events"] = []
    try:
        yield
        await add_events(session, outbox, session.info["events"])
    finally:
        session.info.pop("events", None)


#: The statuses a recipient sends about the document itself once it holds it (01 đã đến … 06 hoàn thành, 02 trả lại),
#: not about a take-back (13, 15, 16).
RECEIPT_STATUS_CODES = frozenset({"01", "02", "03", "04", "05", "06"})
#: Why a thu hồi is refused while an earlier one waits for its answers.
REVOCATION_WAITING = ("Văn bản đang chờ các nơi nhận trả lời đề nghị thu hồi đã gửi (đồng ý hoặc từ chối); khi tất "
                      "cả đã trả lời mới thu hồi lại được.")


class InterchangeStore:
    """Packages, deliveries and receipts; every method is one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now, *,
                 reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        #: Sessions for the methods that only read: on SQLite an engine of its own whose transactions start deferred
        #: (:func:`vanthu_core.db.create_engine` ``read_only``), so a read neither waits for the write under way nor
        #: holds the next one off; the write sessions when none is given.
        self.reads = reads or sessions
        self.clock = clock
        bind = sessions.kw.get("bind")
        #: On SQLite (the embedded mode, one writer at a time) this process's write transactions take turns here,
        #: handed over the moment one commits, instead of in SQLite's busy handler, which polls the lock with sleeps
        #: of up to 100 ms: with a consumer handling several packages at once those sleeps, not the work, set the
        #: pace (bench/interchange.py). Other processes (the CLI) still meet in SQLite's lock.
        self.write_turn = asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        #: Called after a write transaction committed a delivery due for sending (``pending``): the
        #: :class:`~vanthu_interchange.transmit.Transmitter`'s kick. Other commits leave it asleep (it polls too).
        self.on_pending: Callable[[], None] = lambda: None

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction (committed when the block ends; rolled back when it raises), in turn on SQLite; once
        it committed leaving a delivery of its session ``pending`` (an ORM object, or one a Core insert wrote, which
        sets ``session.info["pending"]``), :attr:`on_pending` is called."""
        async with contextlib.AsyncExitStack() as stack:
            if self.write_turn is not None:
                await stack.enter_async_context(self.write_turn)
            session = await stack.enter_async_context(self.sessions.begin())
            yield session
            pending = session.info.pop("pending", False) or any(
                isinstance(row, DeliveryRow) and row.state == "pending" for row in session.identity_map.values())
        if pending:
            self.on_pending()

    # -- the provincial axis's signed requests ----------------------------------------------------------------------
    async def first_use(self, digest: str, system_id: str, *, expires_at: datetime, now: datetime) -> bool:
        """Remember accepted signed headers (``digest``: their HMAC, hex, at most 64 characters) until
        ``expires_at``; False when they are remembered already: a replay, whichever replica saw them first.
        Forgets the expired ones in the same transaction (they could not pass the timestamp check again)."""
        try:
            async with self._write() as session:
                await session.execute(delete(AxisRequestRow).where(AxisRequestRow.expires_at < now))
                session.add(AxisRequestRow(digest=digest[:64], system_id=system_id[:100], expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    # -- sending ---------------------------------------------------------------------------------------------------
    async def existing_keys(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` have a delivery already."""
        async with self.reads() as session:
            rows = await session.execute(select(DELIVERIES.c.key).where(DELIVERIES.c.key.in_(keys)))
            return {k for (k,) in rows}

    async def add_package(self, *, package_id: str, kind: str, sender_code: str, edxml_document_id: str,
                          body: bytes, sha256: str, document_id: str, deliveries: list[NewDelivery],
                          events: Any) -> list[DeliveryRow]:
        """Store a package and its deliveries (those whose key is not taken yet), and the events ``events(rows)``
        returns for the new ones, in one transaction; the new delivery rows."""
        package = NewPackage(package_id=package_id, kind=kind, sender_code=sender_code,
                             edxml_document_id=edxml_document_id, body=body, sha256=sha256, document_id=document_id,
                             deliveries=deliveries, events=events)
        now = self.clock()
        try:
            return await self._add_package(now, package)
        except IntegrityError:  # another handler wrote one of these keys at the same moment (PostgreSQL)
            return await self._add_package(now, package)

    async def _add_package(self, now: datetime, package: NewPackage) -> list[DeliveryRow]:
        async with self._write() as session:
            rows = await self._insert_package(session, now, package)
        for row in rows:  # committed
            METRICS.delivery(row.kind, row.route, row.state)
        return rows

    @staticmethod
    async def _insert_package(session: AsyncSession, now: datetime, package: NewPackage) -> list[DeliveryRow]:
        """Write ``package`` with its deliveries whose key is not taken yet and their events, in ``session``'s
        transaction; the new delivery rows (none, and no package, when every key is taken)."""
        deliveries = package.deliveries
        taken = {k for (k,) in await session.execute(
            select(DELIVERIES.c.key).where(DELIVERIES.c.key.in_([d.key for d in deliveries])))}
        fresh = [d for d in deliveries if d.key not in taken]
        if not fresh:
            return []
        await session.execute(insert(PACKAGES).values(
            id=package.package_id, kind=package.kind, sender_code=package.sender_code,
            edxml_document_id=package.edxml_document_id, body=package.body, sha256=package.sha256,
            size=len(package.body), created_at=now))
        rows = [_delivery(package, d, now) for d in fresh]
        await session.execute(insert(DELIVERIES), [_values(r) for r in rows])
        if any(r.state == "pending" for r in rows):
            session.info["pending"] = True
        await _add_events(session, package.events(rows))
        return rows

    async def add_packages(self, packages: list[NewPackage]) -> list[list[DeliveryRow]]:
        """:meth:`add_package` for several packages (those of a consumer's batch) in one transaction: per package,
        in order, its new delivery rows. Raises IntegrityError when another handler wrote one of these keys at the
        same moment (PostgreSQL; the caller then writes them one at a time)."""
        now = self.clock()
        async with self._write() as session, _events_together(session):
            made = []
            for package in packages:
                with continuing(package.trace):
                    made.append(await self._insert_package(session, now, package))
        for rows in made:  # committed
            for row in rows:
                METRICS.delivery(row.kind, row.route, row.state)
        return made

    async def package(self, package_id: str) -> PackageRow | None:
        async with self.reads() as session:
            return await session.get(PackageRow, package_id)

    async def deliveries_of(self, sender_code: str, document_id: str) -> list[tuple[DeliveryRow,
                                                                                list[DeliveryStatusRow]]]:
        """The ``edoc`` deliveries of a document of ``sender_code``, each with its statuses (oldest first)."""
        async with self.reads() as session:
            rows = list((await session.scalars(
                select(DeliveryRow).where(DeliveryRow.sender_code == sender_code,
                                          DeliveryRow.document_id == document_id, DeliveryRow.kind == "edoc")
                .order_by(DeliveryRow.recipient_code))).all())
            statuses = list((await session.scalars(
                select(DeliveryStatusRow).where(DeliveryStatusRow.delivery_id.in_([r.id for r in rows]))
                .order_by(DeliveryStatusRow.received_at, DeliveryStatusRow.id))).all()) if rows else []
        return [(r, [s for s in statuses if s.delivery_id == r.id]) for r in rows]

    async def delivery(self, delivery_id: str) -> DeliveryRow | None:
        async with self.reads() as session:
            return await session.get(DeliveryRow, delivery_id)

    async def due(self, limit: int = 50) -> list[DeliveryRow]:
        """Pending deliveries whose next attempt is due, oldest first."""
        async with self.reads() as session:
            return list((await session.scalars(
                select(DeliveryRow).where(DeliveryRow.state == "pending", DeliveryRow.in_flight_at.is_(None),
                                          DeliveryRow.route != "system",  # fetched by the connected system
                                          DeliveryRow.next_attempt_at <= self.clock())
                .order_by(DeliveryRow.next_attempt_at).limit(limit))).all())

    # -- the provincial axis's connected systems (route "system": they fetch what waits for them) ---------------
    async def waiting_for_systems(self, kind: str) -> list[DeliveryRow]:
        """The pending deliveries of ``kind`` on route ``system`` (waiting for a connected system), oldest first."""
        async with self.reads() as session:
            return list((await session.scalars(
                select(DeliveryRow).where(DeliveryRow.state == "pending", DeliveryRow.route == "system",
                                          DeliveryRow.kind == kind)
                .order_by(DeliveryRow.created_at, DeliveryRow.id))).all())

    async def deliveries_of_package(self, package_id: str) -> list[DeliveryRow]:
        async with self.reads() as session:
            return list((await session.scalars(
                select(DeliveryRow).where(DeliveryRow.package_id == package_id)
                .order_by(DeliveryRow.recipient_code))).all())

    async def park(self, delivery_id: str) -> DeliveryRow | None:
        """A pending delivery whose recipient is now served by a connected system: route ``system``, waiting for
        that system to fetch it (not due for the Transmitter any more)."""
        async with self._write() as session:
            row = await session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None or row.state != "pending":
                return None
            row.route, row.next_attempt_at, row.in_flight_at = "system", None, None
            return row

    async def add_relay(self, *, package_id: str, kind: str, sender_code: str, edxml_document_id: str, body: bytes,
                        sha256: str, deliveries: list[NewDelivery]) -> list[DeliveryRow]:
        """Keep a package a connected system sent for agencies of other connected systems (once per id) and its
        deliveries whose key is not taken yet (no registry document: ``document_id`` empty); the new rows."""
        now = self.clock()
        async with self._write() as session:
            if await session.get(PackageRow, package_id) is None:
                session.add(PackageRow(id=package_id, kind=kind, sender_code=sender_code,
                                       edxml_document_id=edxml_document_id, body=body, sha256=sha256,
                                       size=len(body), created_at=now))
                await session.flush()
            taken = {k for (k,) in await session.execute(
                select(DeliveryRow.key).where(DeliveryRow.key.in_([d.key for d in deliveries])))}
            rows = [DeliveryRow(id=new_id(), key=d.key, package_id=package_id, kind=kind, document_id="",
                                edxml_document_id=edxml_document_id, sender_code=sender_code,
                                recipient_code=d.recipient_code, recipient_name=d.recipient_name, route=d.route,
                                state=d.state, attempts=0, last_error="", created_at=now)
                    for d in deliveries if d.key not in taken]
            session.add_all(rows)
        for row in rows:
            METRICS.delivery(row.kind, row.route, row.state)
        return rows

    async def give_up(self, package_id: str, recipient_code: str, *, error: str, events: Any) -> DeliveryRow | None:
        """The receiving side gave up on the local delivery of ``package_id`` to ``recipient_code`` (it failed as
        many times as the consumer tries, or can never be taken in): ``failed`` with the reason, visible to the
        sender and in ``vanthu-interchange failed`` (``resend`` dispatches it again). None when there is no such
        delivery, or it was taken in after all (a receipt exists) or is failed already."""
        async with self._write() as session:
            row = (await session.scalars(select(DeliveryRow).where(
                DeliveryRow.package_id == package_id, DeliveryRow.recipient_code == recipient_code)
                .with_for_update())).first()
            if row is None or row.state in ("failed", "cancelled"):
                return None
            taken_in = (await session.scalars(select(ReceiptRow.id).where(
                ReceiptRow.package_id == package_id, ReceiptRow.recipient_code == recipient_code))).first()
            if taken_in is not None:
                return None
            row.state, row.next_attempt_at, row.in_flight_at = "failed", None, None
            row.last_error = error[:2000]
            await session.flush()
            for event in events(row):
                await add_event(session, outbox, event)
        METRICS.delivery(row.kind, row.route, row.state)
        return row

    async def add_unsent(self, *, sender_code: str, document_id: str, recipients: list[tuple[str, str, str]],
                         error: str, events: Any) -> list[DeliveryRow]:
        """An issued document whose package could not be built (the sending side gave up on it): one ``failed``
        delivery per recipient (``(code, name, route)``) whose key is not taken yet, with the reason, on a package
        not built yet (empty body; :meth:`set_package` fills it when the operator resends); the new rows."""
        now = self.clock()
        package_id = new_id()
        async with self._write() as session:
            keys = {code: f"edoc/{document_id}/{code}" for code, _, _ in recipients}
            taken = {k for (k,) in await session.execute(
                select(DeliveryRow.key).where(DeliveryRow.key.in_(list(keys.values()))))}
            fresh = [(c, n, r) for c, n, r in recipients if keys[c] not in taken]
            if not fresh:
                return []
            session.add(PackageRow(id=package_id, kind="edoc", sender_code=sender_code, edxml_document_id="",
                                   body=b"", sha256="", size=0, created_at=now))
            await session.flush()
            rows = [DeliveryRow(id=new_id(), key=keys[code], package_id=package_id, kind="edoc",
                                document_id=document_id, edxml_document_id="", sender_code=sender_code,
                                recipient_code=code, recipient_name=name, route=route, state="failed", attempts=1,
                                last_error=error[:2000], created_at=now) for code, name, route in fresh]
            session.add_all(rows)
            await session.flush()
            for event in events(rows):
                await add_event(session, outbox, event)
        for row in rows:
            METRICS.delivery(row.kind, row.route, row.state)
        return rows

    async def set_package(self, package_id: str, *, edxml_document_id: str, body: bytes, sha256: str) -> None:
        """Fill a package that was not built (:meth:`add_unsent`) and its deliveries' DocumentId; a package built
        already is left as it is."""
        async with self._write() as session:
            row = await session.get(PackageRow, package_id, with_for_update=True)
            if row is None or row.body:
                return
            row.body, row.sha256, row.size, row.edxml_document_id = body, sha256, len(body), edxml_document_id
            await session.execute(update(DeliveryRow).where(DeliveryRow.package_id == package_id)
                                  .values(edxml_document_id=edxml_document_id))

    async def failed(self, sender_code: str | None = None) -> list[DeliveryRow]:
        """Deliveries that gave up (of one sender agency, or all)."""
        async with self.reads() as session:
            query = select(DeliveryRow).where(DeliveryRow.state == "failed")
            if sender_code:
                query = query.where(DeliveryRow.sender_code == sender_code)
            return list((await session.scalars(query.order_by(DeliveryRow.created_at))).all())

    async def record_attempt(self, delivery_id: str, *, error: str, max_attempts: int, backoff: timedelta,
                             events: Any) -> DeliveryRow | None:
        """Count a failed attempt: retry after ``backoff``, or mark failed after ``max_attempts`` (then, only then,
        with the events ``events(row)``: a delivery's events announce a change of its state); success is
        :meth:`mark_sent`. The row after the change (None when it is not pending any more)."""
        async with self._write() as session:
            row = await session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None or row.state != "pending":
                return None
            row.attempts += 1
            row.last_error = error[:2000]
            row.in_flight_at = None
            if row.attempts >= max_attempts:
                row.state, row.next_attempt_at = "failed", None
            else:
                row.next_attempt_at = self.clock() + backoff
            await session.flush()
            if row.state == "failed":  # a retry leaves it pending: no change of state to announce
                for event in events(row):
                    await add_event(session, outbox, event)
        METRICS.delivery(row.kind, row.route, row.state)  # counts only when it gave up
        return row

    async def mark_sent(self, delivery_id: str, events: Any, transport_id: str = "") -> DeliveryRow | None:
        """A pending delivery went (``transport_id``: its package's id on the transport, the axis's DocID)."""
        async with self._write() as session:
            row = await session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None or row.state != "pending":
                return None
            row.attempts += 1
            row.state, row.sent_at, row.next_attempt_at, row.last_error = "sent", self.clock(), None, ""
            row.transport_id, row.in_flight_at = transport_id, None
            await session.flush()
            for event in events(row):
                await add_event(session, outbox, event)
        METRICS.delivery(row.kind, row.route, row.state)
        return row

    async def reopen(self, delivery_id: str, sender_code: str | None = None) -> DeliveryRow | None:
        """Make a failed delivery pending again, due now, its attempts counted afresh (``resend``); None when there
        is no such failed delivery (of ``sender_code`` when given)."""
        async with self._write() as session:
            row = await session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None or row.state != "failed" or (sender_code and row.sender_code != sender_code):
                return None
            row.state, row.attempts, row.next_attempt_at, row.in_flight_at = "pending", 0, self.clock(), None
            return row

    async def begin_attempt(self, delivery_id: str) -> DeliveryRow | None:
        """Mark a due pending delivery in flight before an attempt that cannot be repeated safely (the axis's
        sendEdoc is not idempotent); None when it is not pending or already in flight (another sender took it). The
        outcome (:meth:`mark_sent`, :meth:`record_attempt`) clears the mark; a mark left by a crash is found by
        :meth:`interrupted` and the delivery failed visibly instead of being sent a second time."""
        async with self._write() as session:
            row = await session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None or row.state != "pending" or row.in_flight_at is not None:
                return None
            row.in_flight_at = self.clock()
            return row

    async def interrupted(self, started_before: datetime, *, error: str, events: Any) -> list[DeliveryRow]:
        """Fail the deliveries whose in-flight attempt began before ``started_before`` and never ended (the process
        died or hung while sending): the transport may have the package, so only an operator resends it."""
        async with self.reads() as session:  # looked for first without the write lock (SQLite: BEGIN IMMEDIATE)
            if (await session.scalars(select(DeliveryRow.id).where(
                    DeliveryRow.state == "pending", DeliveryRow.in_flight_at.is_not(None),
                    DeliveryRow.in_flight_at < started_before).limit(1))).first() is None:
                return []
        async with self._write() as session:
            rows = list((await session.scalars(select(DeliveryRow).where(
                DeliveryRow.state == "pending", DeliveryRow.in_flight_at.is_not(None),
                DeliveryRow.in_flight_at < started_before).with_for_update())).all())
            for row in rows:
                row.attempts += 1
                row.state, row.next_attempt_at, row.in_flight_at, row.last_error = "failed", None, None, error[:2000]
            await session.flush()
            for row in rows:
                for event in events(row):
                    await add_event(session, outbox, event)
        for row in rows:
            METRICS.delivery(row.kind, row.route, row.state)
        return rows

    # -- receiving -------------------------------------------------------------------------------------------------
    async def receipt_or_package(self, transport_id: str, recipient_code: str,
                                 package_id: str) -> tuple[ReceiptRow | None, PackageRow | None]:
        """The receipt of ``transport_id`` for ``recipient_code`` when the package was taken in for it before (the
        package then not read), else the stored package ``package_id`` (None when not stored): one read for the
        receiver's first step."""
        async with self.reads() as session:
            receipt = await self._receipt_of(session, transport_id, recipient_code)
            if receipt is not None:
                return receipt, None
            row = (await session.execute(select(PACKAGES).where(PACKAGES.c.id == package_id))).first()
            return None, _detached(PackageRow, row) if row is not None else None

    async def receipts_or_packages(self, wanted: list[tuple[str, str, str]]
                                   ) -> list[tuple[ReceiptRow | None, PackageRow | None]]:
        """:meth:`receipt_or_package` for several ``(transport_id, recipient_code, package_id)`` (those of a
        consumer's batch), in one read: per item, in order."""
        if not wanted:
            return []
        async with self.reads() as session:
            receipts = {(r.transport_id, r.recipient_code): _detached(ReceiptRow, r) for r in await session.execute(
                select(RECEIPTS).where(RECEIPTS.c.transport_id.in_({t for t, _, _ in wanted})))}
            needed = {p for t, r, p in wanted if (t, r) not in receipts}
            packages = {row.id: _detached(PackageRow, row) for row in await session.execute(
                select(PACKAGES).where(PACKAGES.c.id.in_(needed)))} if needed else {}
        return [(receipts[(t, r)], None) if (t, r) in receipts else (None, packages.get(p)) for t, r, p in wanted]

    @staticmethod
    async def _receipt_of(session: AsyncSession, transport_id: str, recipient_code: str) -> ReceiptRow | None:
        """The receipt of the package ``transport_id`` for ``recipient_code`` (detached), in ``session``."""
        row = (await session.execute(select(RECEIPTS).where(
            RECEIPTS.c.transport_id == transport_id, RECEIPTS.c.recipient_code == recipient_code))).first()
        return _detached(ReceiptRow, row) if row is not None else None

    async def receipt(self, transport_id: str, recipient_code: str) -> ReceiptRow | None:
        async with self.reads() as session:
            return (await session.scalars(select(ReceiptRow).where(
                ReceiptRow.transport_id == transport_id, ReceiptRow.recipient_code == recipient_code))).first()

    async def receipts_of_transport(self, transport_id: str) -> list[ReceiptRow]:
        """Every receipt of the package ``transport_id`` (one per recipient it was taken in for)."""
        async with self.reads() as session:
            return list((await session.scalars(select(ReceiptRow).where(
                ReceiptRow.transport_id == transport_id))).all())

    async def accepted_elsewhere(self, edxml_document_id: str, sender_code: str, recipient_code: str,
                                 transport_id: str) -> ReceiptRow | None:
        """An arrival already made for ``recipient_code`` from another transport id of the same document package
        (the same DocumentId from the same sender): a package the axis carried twice."""
        async with self.reads() as session:
            return (await session.scalars(select(ReceiptRow).where(
                ReceiptRow.kind == "edoc", ReceiptRow.edxml_document_id == edxml_document_id,
                ReceiptRow.recipient_code == recipient_code, ReceiptRow.sender_code == sender_code,
                ReceiptRow.outcome == "accepted", ReceiptRow.transport_id != transport_id))).first()

    async def receipt_of_arrival(self, recipient_code: str, document_id: str) -> ReceiptRow | None:
        """The receipt that created the arrival ``document_id`` of ``recipient_code``."""
        async with self.reads() as session:
            return (await session.scalars(select(ReceiptRow).where(
                ReceiptRow.recipient_code == recipient_code, ReceiptRow.document_id == document_id,
                ReceiptRow.outcome == "accepted"))).first()

    async def store_received(self, *, package_id: str, kind: str, sender_code: str, edxml_document_id: str,
                             body: bytes, sha256: str) -> None:
        """Keep a package received from outside (the axis, a peer) before it is taken in; once per id."""
        async with self._write() as session:
            if await session.get(PackageRow, package_id) is None:
                session.add(PackageRow(id=package_id, kind=kind, sender_code=sender_code,
                                       edxml_document_id=edxml_document_id, body=body, sha256=sha256,
                                       size=len(body), created_at=self.clock()))

    async def add_receipt(self, receipt: ReceiptRow, events: list[Message], *, answer: NewPackage | None = None,
                          answer_taken_in: StatusTakeIn | None = None) -> ReceiptRow:
        """Record what came of a package for one recipient, with its events, and the ``answer`` to its sender
        (the status package 01 or 02 with its delivery, :meth:`add_package`) in the same transaction; a receipt
        already there (the same package taken in twice) wins and is returned, the events and answer dropped.
        ``answer_taken_in``: the answer taken in at once for its recipient, served here too (the status recorded on
        its delivery and the answer's receipt, :meth:`add_status_receipt`), in the same transaction, instead of its
        travelling through a ``PackageDispatched`` to be taken in like any package."""
        try:
            async with self._write() as session:
                existing, written = await self._receipt_in(session, NewReceipt(receipt, events, answer,
                                                                               answer_taken_in))
                if existing is not None:
                    return existing
        except IntegrityError:  # the same package taken in at the same moment by another handler (PostgreSQL)
            async with self.sessions() as session:
                found = (await session.scalars(select(ReceiptRow).where(
                    ReceiptRow.transport_id == receipt.transport_id,
                    ReceiptRow.recipient_code == receipt.recipient_code))).first()
            if found is None:
                raise
            return found
        self._count_receipt(receipt, *written)
        return receipt

    async def add_receipts(self, receipts: list[NewReceipt]) -> list[ReceiptRow]:
        """:meth:`add_receipt` for several receipts (those of a consumer's batch) in one transaction: per receipt, in
        order, the receipt kept (a receipt already there wins, that receipt's events and answer dropped). Raises
        IntegrityError when another handler took one of these packages in at the same moment (PostgreSQL; the
        caller then writes them one at a time)."""
        kept: list[ReceiptRow] = []
        counted = []
        async with self._write() as session, _events_together(session):
            together = await self._receipts_together(session, receipts)
            if together is not None:
                kept = [item.receipt for item in receipts]
                counted = [(item.receipt, written) for item, written in zip(receipts, together, strict=True)]
            else:
                for item in receipts:
                    with continuing(item.trace):
                        existing, written = await self._receipt_in(session, item)
                    kept.append(existing if existing is not None else item.receipt)
                    if existing is None:
                        counted.append((item.receipt, written))
        for receipt, written in counted:  # committed
            self._count_receipt(receipt, *written)
        return kept

    async def _receipts_together(self, session: AsyncSession, items: list[NewReceipt]) -> list[
            tuple[Any, list[DeliveryRow], ReceiptRow | None]] | None:
        """:meth:`_receipt_in` for every item of the common batch, in a few statements instead of ~10 a letter (issue
        12's bench, a ninth round): new receipts of distinct packages, their answers' delivery keys free, each status
        taken in (a 01 for a sender here) new on one delivery and changing none's state. The same rows and events,
        in the same order, as one item after the other writes; per item what was written (:meth:`_receipt_in`'s
        second value). None, having written nothing, for any other batch (the caller then goes one by one)."""
        pairs = {(item.receipt.transport_id, item.receipt.recipient_code) for item in items}
        answers = [item.answer for item in items if item.answer is not None]
        keys = [d.key for answer in answers for d in answer.deliveries]
        statuses = [item.answer_taken_in for item in items if item.answer_taken_in is not None]
        if not items or len(pairs) != len(items) or len(set(keys)) != len(keys) \
                or any(s.code in ("15", "16") for s in statuses) \
                or any(item.answer_taken_in is not None and item.answer is None for item in items) \
                or {s.kind for s in statuses} & {answer.kind for answer in answers}:
            return None
        held = await session.execute(select(RECEIPTS.c.transport_id, RECEIPTS.c.recipient_code).where(
            RECEIPTS.c.transport_id.in_(sorted({t for t, _ in pairs}))))
        if any(tuple(row) in pairs for row in held):
            return None
        if keys and (await session.execute(select(DELIVERIES.c.key).where(DELIVERIES.c.key.in_(keys)))).first():
            return None
        answered: dict[int, DeliveryRow] = {}  # by the status's place in ``statuses``: the delivery it is recorded on
        if statuses:
            found: dict[tuple[str, str, str, str], list[DeliveryRow]] = {}
            for line in await session.execute(select(DELIVERIES).where(
                    DELIVERIES.c.kind.in_(sorted({s.kind for s in statuses})),
                    DELIVERIES.c.edxml_document_id.in_(sorted({s.edxml_document_id for s in statuses})))
                    .with_for_update()):
                found.setdefault((line.kind, line.edxml_document_id, line.recipient_code, line.sender_code),
                                 []).append(_detached(DeliveryRow, line))
            for place, s in enumerate(statuses):
                matching = found.get((s.kind, s.edxml_document_id, s.reporter_code, s.sender_code), [])
                if len(matching) > 1:
                    return None  # which one the single path takes is the database's choice: leave it to it
                if matching:
                    answered[place] = matching[0]
            if len({(d.id, statuses[place].package_id) for place, d in answered.items()}) != len(answered):
                return None
            if answered and (await session.execute(select(DELIVERY_STATUSES.c.id).where(
                    DELIVERY_STATUSES.c.delivery_id.in_(sorted({d.id for d in answered.values()})),
                    DELIVERY_STATUSES.c.package_id.in_(sorted({statuses[p].package_id for p in answered}))))).first():
                return None  # a status taken before: the single path decides what it means
        receipt_rows: list[dict[str, Any]] = []
        for item in items:
            item.receipt.created_at = self.clock()
            receipt_rows.append(_values(item.receipt))
        await _insert_rows(session, RECEIPTS, receipt_rows)
        packages = {row.id: row for row in await session.execute(select(PACKAGES.c.id, PACKAGES.c.created_at).where(
            PACKAGES.c.id.in_(sorted({item.receipt.package_id for item in items}))))}  # not their bodies
        package_rows: list[dict[str, Any]] = []
        delivery_rows: list[dict[str, Any]] = []
        status_rows: list[dict[str, Any]] = []
        answer_receipts: list[dict[str, Any]] = []
        written: list[tuple[Any, list[DeliveryRow], ReceiptRow | None]] = []
        place = 0
        for item in items:
            rows: list[DeliveryRow] = []
            answer_receipt: ReceiptRow | None = None
            made: list[Message] = []
            answer, now = item.answer, item.receipt.created_at
            if answer is not None and answer.deliveries:  # as one by one: no package without a delivery
                package_rows.append(dict(
                    id=answer.package_id, kind=answer.kind, sender_code=answer.sender_code,
                    edxml_document_id=answer.edxml_document_id, body=answer.body, sha256=answer.sha256,
                    size=len(answer.body), created_at=now))
                rows = [_delivery(answer, d, now) for d in answer.deliveries]
                delivery_rows.extend(_values(r) for r in rows)
                if any(r.state == "pending" for r in rows):
                    session.info["pending"] = True
            status = item.answer_taken_in
            if status is not None and rows:  # as one by one: a status taken in only once its answer is written
                delivery = answered.get(place)
                place += 1
                if delivery is not None:
                    status_rows.append(dict(delivery_id=delivery.id, package_id=status.package_id, code=status.code,
                                            description=status.description, staff=status.staff, at=status.at,
                                            received_at=self.clock()))
                answer_receipt, made = status.receipt(delivery)
                answer_receipt.created_at = self.clock()
                answer_receipts.append(_values(answer_receipt))
            elif status is not None:
                place += 1
            with continuing(item.trace):  # the order one item after the other writes them
                await _add_events(session, item.events)
                if rows and answer is not None:
                    await _add_events(session, answer.events(rows))
                await _add_events(session, made)
            written.append((packages.get(item.receipt.package_id), rows, answer_receipt))
        await _insert_rows(session, PACKAGES, package_rows)
        await _insert_rows(session, DELIVERIES, delivery_rows)
        await _insert_rows(session, DELIVERY_STATUSES, status_rows)
        await _insert_rows(session, RECEIPTS, answer_receipts)
        return written

    async def _receipt_in(self, session: AsyncSession, item: NewReceipt) -> tuple[
            ReceiptRow | None, tuple[Any, list[DeliveryRow], ReceiptRow | None]]:
        """Write ``item`` in ``session``'s transaction (:meth:`add_receipt`): (the receipt already there, or None and
        what was written: the package's id and time, the answer's deliveries, the answer's receipt)."""
        receipt = item.receipt
        answered: list[DeliveryRow] = []
        answer_receipt: ReceiptRow | None = None
        existing = await self._receipt_of(session, receipt.transport_id, receipt.recipient_code)
        if existing is not None:
            return existing, (None, [], None)
        receipt.created_at = self.clock()
        await session.execute(insert(RECEIPTS).values(_values(receipt)))
        await _add_events(session, item.events)
        package = (await session.execute(select(PACKAGES.c.id, PACKAGES.c.created_at).where(
            PACKAGES.c.id == receipt.package_id))).first()  # not its body
        if item.answer is not None:
            answered = await self._insert_package(session, receipt.created_at, item.answer)
            if answered and item.answer_taken_in is not None:
                answer_receipt = await self._take_status(session, item.answer_taken_in)
        return None, (package, answered, answer_receipt)

    @staticmethod
    def _count_receipt(receipt: ReceiptRow, package: Any, answered: list[DeliveryRow],
                       answer_receipt: ReceiptRow | None) -> None:
        """The metrics of a committed receipt."""
        # a package that travelled inside this installation was created by the sender here: same clock
        local = package is not None and receipt.transport_id == package.id
        METRICS.taken_in(receipt.kind, receipt.outcome,
                         (receipt.created_at - package.created_at).total_seconds() if local and package else None)
        for row in answered:
            METRICS.delivery(row.kind, row.route, row.state)
        if answer_receipt is not None:  # the answer's package was written in this transaction, at receipt.created_at
            METRICS.taken_in(answer_receipt.kind, answer_receipt.outcome,
                             (answer_receipt.created_at - receipt.created_at).total_seconds())

    async def add_status(self, *, kind: str, edxml_document_id: str, reporter_code: str, sender_code: str,
                         package_id: str, code: str, description: str, staff: str, at: datetime | None,
                         events: Callable[[DeliveryRow], list[Message]]) -> tuple[DeliveryRow | None, bool]:
        """Record a status package on the ``kind`` delivery of ``edxml_document_id`` that ``sender_code`` sent to
        ``reporter_code``: (the delivery or None when there is none, whether the status is new). ``events`` as
        :attr:`StatusTakeIn.events`."""
        async with self._write() as session:
            return await self._record_status(
                session, kind=kind, edxml_document_id=edxml_document_id, reporter_code=reporter_code,
                sender_code=sender_code, package_id=package_id, code=code, description=description, staff=staff,
                at=at, events=events)

    async def add_status_receipt(self, status: StatusTakeIn) -> ReceiptRow:
        """:meth:`add_status` and the receipt of the status package (``status.receipt(delivery)``) in one
        transaction; a receipt already there (the same package taken in twice) wins and is returned, nothing else
        written."""
        try:
            async with self._write() as session:
                existing = await self._receipt_of(session, status.package_id, status.sender_code)
                if existing is not None:
                    return existing
                row = await self._take_status(session, status)
                package = (await session.execute(select(PACKAGES.c.id, PACKAGES.c.created_at).where(
                    PACKAGES.c.id == row.package_id))).first()  # not its body
        except IntegrityError:  # the same package taken in at the same moment by another handler (PostgreSQL)
            async with self.sessions() as session:
                found = (await session.scalars(select(ReceiptRow).where(
                    ReceiptRow.transport_id == status.package_id,
                    ReceiptRow.recipient_code == status.sender_code))).first()
            if found is None:
                raise
            return found
        local = package is not None and row.transport_id == package.id  # sent here: same clock
        METRICS.taken_in(row.kind, row.outcome,
                         (row.created_at - package.created_at).total_seconds() if local and package else None)
        return row

    async def _take_status(self, session: AsyncSession, status: StatusTakeIn) -> ReceiptRow:
        """The status recorded on its delivery and the status package's receipt with its events, in ``session``'s
        transaction (whose caller found no receipt of the package yet); the receipt."""
        delivery, _ = await self._record_status(
            session, kind=status.kind, edxml_document_id=status.edxml_document_id,
            reporter_code=status.reporter_code, sender_code=status.sender_code, package_id=status.package_id,
            code=status.code, description=status.description, staff=status.staff, at=status.at,
            events=status.events)
        row, made = status.receipt(delivery)
        row.created_at = self.clock()
        await session.execute(insert(RECEIPTS).values(_values(row)))
        await _add_events(session, made)
        return row

    async def _record_status(self, session: AsyncSession, *, kind: str, edxml_document_id: str, reporter_code: str,
                             sender_code: str, package_id: str, code: str, description: str, staff: str,
                             at: datetime | None, events: Callable[[DeliveryRow], list[Message]]
                             ) -> tuple[DeliveryRow | None, bool]:
        """The status on its delivery's timeline, once per status package; ``events(delivery)`` written only when
        the status changed the delivery's own state (a 15 or 16 settling the revocation it waits for): a status
        that only adds to the timeline announces nothing (``delivery.updated`` is published once per change of a
        delivery's state, the lead's decision on issue 12)."""
        found = (await session.execute(select(DELIVERIES).where(
            DELIVERIES.c.kind == kind, DELIVERIES.c.edxml_document_id == edxml_document_id,
            DELIVERIES.c.recipient_code == reporter_code, DELIVERIES.c.sender_code == sender_code)
            .with_for_update())).first()
        if found is None:
            return None, False
        delivery: DeliveryRow = _detached(DeliveryRow, found)
        taken = (await session.execute(select(DELIVERY_STATUSES.c.id).where(
            DELIVERY_STATUSES.c.delivery_id == delivery.id, DELIVERY_STATUSES.c.package_id == package_id))).first()
        if taken is not None:
            return delivery, False
        await session.execute(insert(DELIVERY_STATUSES).values(
            delivery_id=delivery.id, package_id=package_id, code=code, description=description, staff=staff, at=at,
            received_at=self.clock()))
        if delivery.route == "system" and delivery.state in ("pending", "failed") and code in RECEIPT_STATUS_CODES:
            # A connected system fetches its package (getEdoc) and may answer before it acknowledges ``done``, or
            # never acknowledge: its answer says it holds the document, so the delivery went. Left pending, a
            # revocation cancelled it as never sent ("đã hủy gửi", no 13) while the recipient kept the document.
            now = self.clock()
            delivery.state, delivery.sent_at, delivery.next_attempt_at, delivery.last_error = "sent", now, None, ""
            await session.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery.id).values(
                state="sent", sent_at=now, next_attempt_at=None, last_error=""))
            await _add_events(session, events(delivery))
        if code in ("15", "16") and delivery.revocation == "pending":
            delivery.revocation = "accepted" if code == "15" else "refused"
            if code == "16":
                delivery.revocation_reason = description
            await session.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery.id).values(
                revocation=delivery.revocation, revocation_reason=delivery.revocation_reason))
            await _add_events(session, events(delivery))
        return delivery, True

    # -- thu hồi --------------------------------------------------------------------------------------------------
    async def revoke(self, *, sender_code: str, document_id: str, reason: str, staff: str,
                     packages: dict[str, tuple[str, bytes, str, NewDelivery]], events: Any,
                     returned: frozenset[str] = frozenset()) -> list[DeliveryRow]:
        """Revoke the ``edoc`` deliveries of a document of ``sender_code`` in one transaction: each one sent gets
        its status 13 package (``packages[delivery id]``: package id, body, sha256, the status delivery) and waits
        (revocation pending, 13 on its timeline); one not sent yet (pending, failed) is cancelled; one whose recipient
        returned the document (``returned``, its ids) is left as it is. FailedPrecondition
        while a revocation is pending, or when a delivery was sent since ``packages`` were built; the deliveries."""
        now = self.clock()
        async with self._write() as session:
            rows = list((await session.scalars(select(DeliveryRow).where(
                DeliveryRow.sender_code == sender_code, DeliveryRow.document_id == document_id,
                DeliveryRow.kind == "edoc").order_by(DeliveryRow.recipient_code).with_for_update())).all())
            if any(r.revocation == "pending" for r in rows):
                raise FailedPrecondition(REVOCATION_WAITING)
            changed: list[DeliveryRow] = []
            for row in rows:
                if row.state == "sent" and row.id in returned:
                    continue
                if row.state == "sent":
                    if row.id not in packages:
                        raise FailedPrecondition("một nơi nhận vừa được gửi văn bản; thu hồi lại")
                    package_id, body, sha256, status = packages[row.id]
                    session.add(PackageRow(id=package_id, kind="status", sender_code=sender_code,
                                           edxml_document_id=row.edxml_document_id, body=body, sha256=sha256,
                                           size=len(body), created_at=now))
                    await session.flush()
                    answer = DeliveryRow(
                        id=new_id(), key=status.key, package_id=package_id, kind="status", document_id=document_id,
                        edxml_document_id=row.edxml_document_id, sender_code=sender_code,
                        recipient_code=row.recipient_code, recipient_name=row.recipient_name, route=status.route,
                        state=status.state, status_code="13", attempts=1 if status.state == "sent" else 0,
                        last_error=status.last_error, created_at=now, sent_at=now if status.state == "sent" else None,
                        next_attempt_at=now if status.state == "pending" else None)
                    session.add(answer)
                    session.add(DeliveryStatusRow(delivery_id=row.id, package_id=package_id, code="13",
                                                  description=reason, staff=staff, at=now, received_at=now))
                    row.revocation, row.revocation_reason = "pending", reason
                    changed.append(answer)
                elif row.state in ("pending", "failed"):
                    row.state, row.next_attempt_at = "cancelled", None
                    row.revocation, row.revocation_reason = "cancelled", reason
                else:
                    continue
                changed.append(row)
            await session.flush()
            for event in events(changed):
                await add_event(session, outbox, event)
            return rows

    async def revocation_pending(self, sender_code: str, document_id: str) -> bool:
        """Whether a delivery of the document still waits for its recipient's answer to a revocation."""
        async with self.reads() as session:
            return (await session.scalars(select(DeliveryRow.id).where(
                DeliveryRow.sender_code == sender_code, DeliveryRow.document_id == document_id,
                DeliveryRow.kind == "edoc", DeliveryRow.revocation == "pending"))).first() is not None

    async def arrival_receipt(self, recipient_code: str, sender_code: str, edxml_document_id: str) -> ReceiptRow | None:
        """The receipt that made an arrival of ``recipient_code`` from the package ``edxml_document_id`` of
        ``sender_code`` (what a revocation, an update or a replacement names), or ``None``.

        A sender whose update (business type 2) carried a DocumentId of its own (a new number or date) may name the
        arrival by that one afterwards: when no arrival was made from ``edxml_document_id``, the request receipt of
        an earlier package of ``sender_code`` to ``recipient_code`` whose own DocumentId it is, and that reached an
        arrival, answers instead (its ``document_id`` is that arrival's; the receipt keeps the package's own
        DocumentId in ``response_for``). Tenancy holds: only what the same sender
        sent the same recipient matches (regulations digest §1.3.3, ``Bussiness/DocumentId``)."""
        async with self.reads() as session:
            made = (await session.scalars(select(ReceiptRow).where(
                ReceiptRow.recipient_code == recipient_code, ReceiptRow.sender_code == sender_code,
                ReceiptRow.edxml_document_id == edxml_document_id, ReceiptRow.outcome == "accepted",
                ReceiptRow.document_id != "").order_by(ReceiptRow.created_at.desc()))).first()
            if made is not None or not edxml_document_id:
                return made
            return (await session.scalars(select(ReceiptRow).where(
                ReceiptRow.recipient_code == recipient_code, ReceiptRow.sender_code == sender_code,
                ReceiptRow.kind == "edoc", ReceiptRow.outcome == "recorded", ReceiptRow.document_id != "",
                ReceiptRow.response_for["document_id"].as_string() == edxml_document_id,
            ).order_by(ReceiptRow.created_at.desc()))).first()

    async def arrival_of(self, recipient_code: str, document_id: str) -> ReceiptRow | None:
        """The receipt that made ``recipient_code``'s arrival ``document_id`` (its sender, and in ``response_for``
        the number, date and DocumentId its package gave it), or None: not an electronic arrival of that agency."""
        async with self.reads() as session:
            return (await session.scalars(select(ReceiptRow).where(
                ReceiptRow.recipient_code == recipient_code, ReceiptRow.document_id == document_id,
                ReceiptRow.kind == "edoc", ReceiptRow.outcome == "accepted").order_by(
                ReceiptRow.created_at))).first()

    async def sent_document(self, sender_code: str, recipient_code: str, edxml_document_id: str) -> str:
        """The id of ``sender_code``'s outgoing document whose package (DocumentId ``edxml_document_id``) went to
        ``recipient_code``, or "": what a reply from ``recipient_code`` naming it in ``ResponseFor`` answers."""
        async with self.reads() as session:
            return (await session.scalars(select(DeliveryRow.document_id).where(
                DeliveryRow.kind == "edoc", DeliveryRow.sender_code == sender_code,
                DeliveryRow.recipient_code == recipient_code, DeliveryRow.edxml_document_id == edxml_document_id,
                DeliveryRow.document_id != ""))).first() or ""

    async def in_transit(self, sender_code: str, recipient_code: str, edxml_document_id: str) -> bool:
        """Whether the document package ``edxml_document_id`` of ``sender_code`` was sent to ``recipient_code``
        inside this installation and is not taken in yet (its ``PackageDispatched`` is still on its way)."""
        async with self.reads() as session:
            taken = select(ReceiptRow.id).where(ReceiptRow.package_id == DeliveryRow.package_id,
                                                ReceiptRow.recipient_code == recipient_code)
            return (await session.scalars(select(DeliveryRow.id).where(
                DeliveryRow.kind == "edoc", DeliveryRow.route == "local", DeliveryRow.state == "sent",
                DeliveryRow.sender_code == sender_code, DeliveryRow.recipient_code == recipient_code,
                DeliveryRow.edxml_document_id == edxml_document_id, ~taken.exists()))).first() is not None

    async def cancel_pending(self, delivery_ids: list[str]) -> None:
        async with self._write() as session:
            await session.execute(update(DeliveryRow).where(DeliveryRow.id.in_(delivery_ids),
                                                            DeliveryRow.state == "pending")
                                  .values(state="cancelled", next_attempt_at=None))

