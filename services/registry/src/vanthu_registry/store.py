"""Registry persistence (SQLAlchemy 2, async): one transaction per command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.errors import InvalidArgument, NotFound
from vanthu_core.events import new_meta
from vanthu_core.outbox import add_event, outbox_table
from vanthu_core.paging import decode_cursor, encode_cursor
from vanthu_core.text import fold
from vanthu_core.timeutil import Clock, utc_now
from vanthu_registry.domain.agencies import Agency, Checked, check_administrator_change, check_no_cycle

metadata = MetaData()
outbox = outbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class AgencyRow(Base):
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50), default="")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"), nullable=True, index=True)
    level: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    code_conforms: Mapped[bool] = mapped_column(Boolean, default=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    #: Địa danh of the agency's date line (Decree 30/2020, Appendix I, Part I, II.4).
    place: Mapped[str] = mapped_column(String(100), default="")
    #: Folded name and short name for searches with or without diacritics.
    search_key: Mapped[str] = mapped_column(String(260), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_agencies_level", "level"),)

    def to_domain(self) -> Agency:
        return Agency(code=self.code, name=self.name, short_name=self.short_name, parent_code=self.parent_code,
                      level=self.level, valid_from=self.valid_from, valid_to=self.valid_to,
                      code_conforms=self.code_conforms, address=self.address, email=self.email, phone=self.phone,
                      source=self.source, place=self.place)


MAX_PAGE = 500
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class AgencyFilter:
    parent_code: str | None = None
    level: int | None = None
    active_at: date | None = None
    text: str | None = None


def encode_agency_cursor(code: str) -> str:
    return encode_cursor("agency", [code])


def decode_agency_cursor(token: str) -> str:
    key = decode_cursor("agency", token)
    if len(key) != 1 or not isinstance(key[0], str):
        raise InvalidArgument("page.page_token", "không do hệ thống cấp: hãy tải lại danh sách từ trang đầu.")
    return key[0]


def parents_first(items: list[Checked]) -> list[Checked]:
    """Order a batch so that an agency comes after its parent when both are in the batch."""
    by_code = {c.agency.code: c for c in items}

    def depth(item: Checked) -> int:
        seen: set[str] = set()
        level, parent = 0, item.agency.parent_code
        while parent in by_code and parent not in seen:
            seen.add(parent)
            level += 1
            parent = by_code[parent].agency.parent_code
        return level

    return sorted(items, key=depth)


#: Deeper than any real directory (province, department, unit, team); a longer chain is damaged data.
MAX_DEPTH = 64


async def _chain(session: AsyncSession, code: str | None) -> list[str]:
    """``code`` and its ancestors up to the root, as the directory holds them now (empty for no code)."""
    chain: list[str] = []
    while code and code not in chain and len(chain) < MAX_DEPTH:
        chain.append(code)
        row = await session.get(AgencyRow, code)
        code = row.parent_code if row is not None else None
    return chain


class AgencyStore:
    """The agency directory; ``clock`` stamps ``updated_at`` (injected, so tests never depend on the calendar)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now, *,
                 reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        #: Sessions for :meth:`get` and :meth:`exists` (every arrival reads its agency): a read-only engine's on SQLite
        #: (no write lock taken), the write sessions when none is given.
        self.reads = reads or sessions
        self.clock = clock

    async def get(self, code: str) -> Agency:
        async with self.reads() as session:
            row = await session.get(AgencyRow, code)
            if row is None:
                raise NotFound(f"Không có cơ quan mã {code} trong danh bạ.")
            return row.to_domain()

    async def exists(self, code: str) -> bool:
        async with self.reads() as session:
            return await session.get(AgencyRow, code) is not None

    async def find(self, filters: AgencyFilter, page_size: int = 0, page_token: str = "") -> tuple[list[Agency], str]:
        if page_size < 0:
            raise InvalidArgument("page.page_size", "phải là 0 (mặc định) hoặc số dương.")
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        query = select(AgencyRow).order_by(AgencyRow.code)
        if page_token:
            query = query.where(AgencyRow.code > decode_agency_cursor(page_token))
        if filters.parent_code:
            query = query.where(AgencyRow.parent_code == filters.parent_code)
        if filters.level:
            query = query.where(AgencyRow.level == filters.level)
        if filters.active_at:
            day = filters.active_at
            query = query.where(and_(or_(AgencyRow.valid_from.is_(None), AgencyRow.valid_from <= day),
                                     or_(AgencyRow.valid_to.is_(None), AgencyRow.valid_to >= day)))
        if filters.text:
            # each word in the name (without tones) or in the code: "000.00.01.H62", "01.h62", "H61 nội vụ"
            for word in fold(filters.text).split():
                query = query.where(or_(AgencyRow.search_key.contains(word, autoescape=True),
                                        func.lower(AgencyRow.code).contains(word, autoescape=True)))
        async with self.sessions() as session:
            rows = (await session.execute(query.limit(size + 1))).scalars().all()
        agencies = [r.to_domain() for r in rows[:size]]
        next_token = encode_agency_cursor(agencies[-1].code) if len(rows) > size else ""
        return agencies, next_token

    async def upsert_many(self, checked: list[Checked], *, actor: str, actor_agency: str | None,
                          administrator_of: str | None) -> list[bool]:
        """Create or update agencies in one transaction (all or nothing); return ``created`` flags.

        ``administrator_of`` is the agency whose administrator makes the change (UpsertAgency): each entry is
        checked against the directory as it is inside this transaction
        (:func:`~vanthu_registry.domain.agencies.check_administrator_change`), so the check and the write see the
        same tree. ``None`` is the operator's import command (``import-agencies``, ``seed``), which may write any
        entry. For everyone, parents must exist already or be part of the same batch, and no entry may end up below
        itself (InvalidArgument ``parent_code``). Directory changes take turns (a PostgreSQL advisory lock; SQLite
        transactions are serialised by the database lock), so two moves cannot make a cycle together.
        """
        now = self.clock()
        checked = parents_first(checked)
        created: list[bool] = []
        async with self.sessions() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("agency-directory"))))
            batch_codes = {c.agency.code for c in checked}
            for index, item in enumerate(checked):
                agency = item.agency
                field = "parent_code" if len(checked) == 1 else f"agencies[{index}].parent_code"
                if agency.parent_code and agency.parent_code not in batch_codes \
                        and await session.get(AgencyRow, agency.parent_code) is None:
                    raise InvalidArgument(field, f"không có cơ quan mã {agency.parent_code} trong danh bạ.")
                row = await session.get(AgencyRow, agency.code)
                parent_chain = await _chain(session, agency.parent_code)
                if administrator_of is not None:
                    check_administrator_change(administrator_of, agency, row.to_domain() if row else None,
                                               await _chain(session, agency.code) if row else [], parent_chain)
                try:
                    check_no_cycle(agency.code, parent_chain)
                except InvalidArgument as error:
                    raise InvalidArgument(field, error.reason) from None
                created.append(row is None)
                if row is None:
                    row = AgencyRow(code=agency.code)
                    session.add(row)
                for key in ("name", "short_name", "parent_code", "level", "valid_from", "valid_to", "code_conforms",
                            "address", "email", "phone", "source", "place"):
                    setattr(row, key, getattr(agency, key))
                row.search_key = fold(f"{agency.name} {agency.short_name}")[:260]
                row.updated_at = now
                await session.flush()
                await add_event(session, outbox, ev.AgencyUpserted(
                    meta=new_meta(actor=actor, agency=actor_agency or agency.code, occurred_at=now),
                    code=agency.code, name=agency.name, created=created[-1]))
        return created

    async def count(self) -> int:
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(AgencyRow))).scalar_one())
