"""Registry persistence (SQLAlchemy 2, async): one transaction per command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.errors import InvalidArgument, NotFound
from vanthu_core.events import new_meta
from vanthu_core.outbox import add_event, outbox_table
from vanthu_core.paging import decode_cursor, encode_cursor
from vanthu_core.timeutil import Clock, utc_now
from vanthu_registry.domain.agencies import (
    Agency,
    Checked,
    check_administrator_change,
    check_no_cycle,
    query_words,
    search_key,
    search_words,
)

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


#: The words each agency is found by (:func:`~vanthu_registry.domain.agencies.search_words`, migration 0018): a typed
#: word is a range of the (word, code) index (``word >= 'noi' AND word < 'noi' || U+10FFFF``).
#: No keys but its indexes: derived rows, written with their agency (0018); a large import builds the indexes after.
agency_words = Table(
    "agency_words", metadata,
    Column("word", String(64), nullable=False),
    Column("code", String(35), nullable=False),
    Index("ux_agency_words_word_code", "word", "code", unique=True),
    Index("ix_agency_words_code_word", "code", "word"),
)
#: The indexes of ``agency_words`` a large import drops and builds again after its rows.
WORD_INDEXES = (("ux_agency_words_word_code", "UNIQUE INDEX", "word, code"),
                ("ix_agency_words_code_word", "INDEX", "code, word"))
#: A typed word found in at least this many agencies is common: it does not choose the candidates of a search (reading
#: them all costs more than reading the directory in code order until a page of matches is found).
DENSE = 20_000
#: Above every character a folded word holds: ``[word, word + _TOP)`` is every word that starts with ``word``.
_TOP = "\U0010ffff"


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


def encode_search_cursor(part: int, key: str, code: str) -> str:
    return encode_cursor("agency-search", [part, key, code])


def decode_search_cursor(token: str) -> tuple[int, str, str]:
    key = decode_cursor("agency-search", token)
    if len(key) != 3 or key[0] not in (0, 1) or not all(isinstance(k, str) for k in key[1:]):
        raise InvalidArgument("page.page_token", "không do hệ thống cấp: hãy tìm lại từ trang đầu.")
    return int(key[0]), str(key[1]), str(key[2])


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


#: The agencies' table, as the bulk writes name it.
agencies_table = cast(Table, AgencyRow.__table__)
#: Rows per bulk statement of :meth:`AgencyStore.import_directory` (each agency has about a dozen words).
IMPORT_CHUNK = 2000
#: An import writing more search words than this drops the words' indexes and builds them afterwards (a sort each
#: instead of a million scattered inserts); on PostgreSQL, searches wait for the import meanwhile.
REBUILD_WORDS = 50_000
#: SQLite's page cache for an import's connection (KiB; the default is 2 MiB).
IMPORT_CACHE_KIB = 256 * 1024


def _tree_depths(checked: list[Checked], parents: dict[str, str | None], row_of: dict[str, int]) -> dict[str, int]:
    """Each imported agency's depth in the directory as the import leaves it (``parents``: code → parent, stored
    entries overlaid with the file's), walked once for all; refuses a parent neither stored nor in the file and a
    chain that comes back to itself, naming the file's row (``row 7.parent_code``)."""
    depth: dict[str, int] = {}
    for item in checked:
        parent = item.agency.parent_code
        if parent and parent not in parents:
            raise InvalidArgument(f"row {row_of[item.agency.code]}.parent_code",
                                  f"không có cơ quan mã {parent} trong danh bạ hay trong tệp.")
    for item in checked:
        path: list[str] = []
        on_path: set[str] = set()
        code: str | None = item.agency.code
        while code is not None and code not in depth:
            if code in on_path:
                cycle = [*path[path.index(code):], code]
                first = min([c for c in cycle if c in row_of] or [item.agency.code], key=lambda c: row_of[c])
                raise InvalidArgument(f"row {row_of[first]}.parent_code",
                                      f"{' → '.join(cycle)}: vòng lặp cấp trên, không đặt được cơ quan dưới một đơn "
                                      "vị của chính nó.")
            path.append(code)
            on_path.add(code)
            code = parents.get(code)
        base = -1 if code is None else depth[code]
        for offset, step in enumerate(reversed(path), start=1):
            depth[step] = base + offset
    return depth


def _values(agency: Agency, now: datetime) -> dict[str, object]:
    return {"code": agency.code, "name": agency.name, "short_name": agency.short_name,
            "parent_code": agency.parent_code, "level": agency.level, "valid_from": agency.valid_from,
            "valid_to": agency.valid_to, "code_conforms": agency.code_conforms, "address": agency.address,
            "email": agency.email, "phone": agency.phone, "source": agency.source, "place": agency.place,
            "search_key": search_key(agency.name, agency.short_name)[:260], "updated_at": now}


async def _driver_write(session: AsyncSession, table: Table, rows: list[dict[str, Any]], *,
                        update_by: str | None = None) -> None:
    """Insert ``rows`` into ``table`` (or with ``update_by``, update the rows of that key) through the driver, in the
    session's transaction: sqlite3's ``executemany`` (values through the columns' own bind processors, so dates and
    instants are stored as SQLAlchemy stores them) or asyncpg's ``COPY`` / ``executemany``. SQLAlchemy's own
    executemany spends more time building the parameters of a national directory (111,000 agencies, 1.8 million
    search words) than the database spends writing them."""
    if not rows:
        return
    columns = list(rows[0])
    if update_by is not None:
        columns = [c for c in columns if c != update_by] + [update_by]
    connection = await (await session.connection()).get_raw_connection()
    driver: Any = connection.driver_connection
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        records = [tuple(row[c] for c in columns) for row in rows]
        if update_by is None:
            await driver.copy_records_to_table(table.name, records=records, columns=columns)
            return
        sets = ", ".join(f"{c} = ${n}" for n, c in enumerate(columns[:-1], start=1))
        # names from our own Table, values bound
        await driver.executemany(f"UPDATE {table.name} SET {sets} WHERE {update_by} = ${len(columns)}",  # noqa: S608
                                 records)
        return
    processors = [table.c[c].type.bind_processor(dialect) for c in columns]
    values = [tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors, strict=True)) for row in rows]
    if update_by is None:
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    else:  # names from our own Table, values bound
        sql = f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in columns[:-1])} WHERE {update_by} = ?"  # noqa: S608
    await driver.executemany(sql, values)


class _Progress:
    """``progress(done, total)`` as an import advances by steps."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, steps: int) -> None:
        self.done = min(self.total, self.done + max(0, steps))
        if self.progress:
            self.progress(self.done, self.total)


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
        """A page of the directory in code order; with ``text``, the agencies each typed word of which starts a word
        of their name (without tones) or a tail of their code ("000.00.01.H62", "01.h62", "H61 nội vụ"): first those
        whose name starts with the typed words ("Sở Nội vụ tỉnh …" for "so noi vu"), in name order, then the others
        in code order (:meth:`_search`)."""
        if page_size < 0:
            raise InvalidArgument("page.page_size", "phải là 0 (mặc định) hoặc số dương.")
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        query = select(AgencyRow)
        if filters.parent_code:
            query = query.where(AgencyRow.parent_code == filters.parent_code)
        if filters.level:
            query = query.where(AgencyRow.level == filters.level)
        if filters.active_at:
            day = filters.active_at
            query = query.where(and_(or_(AgencyRow.valid_from.is_(None), AgencyRow.valid_from <= day),
                                     or_(AgencyRow.valid_to.is_(None), AgencyRow.valid_to >= day)))
        async with self.reads() as session:
            if filters.text is not None and filters.text.strip():
                return await self._search(session, query, query_words(filters.text), size, page_token)
            if page_token:
                query = query.where(AgencyRow.code > decode_agency_cursor(page_token))
            rows = (await session.execute(query.order_by(AgencyRow.code).limit(size + 1))).scalars().all()
        agencies = [r.to_domain() for r in rows[:size]]
        return agencies, encode_agency_cursor(agencies[-1].code) if len(rows) > size else ""

    async def _search(self, session: AsyncSession, query: Select[Any], words: list[str], size: int,
                      page_token: str) -> tuple[list[Agency], str]:
        """The directory search on ``agency_words`` (migration 0018), in two parts, each reading an index in its
        own order so that neither sorts the thousands of matches a short word has in a national directory:

        1. names that start with the typed words: a range of the name index, in name order;
        2. the other matches in code order. When one typed word is rare (fewer than :data:`DENSE` agencies), its
           agencies are the candidates and each other word is checked on them; when every word is common the
           matches are dense, and the directory is read in code order until the page is full.

        The page token says the part and where it stopped."""
        if not words:
            return [], ""
        typed = " ".join(words)
        on_postgresql = session.get_bind().dialect.name == "postgresql"
        key = AgencyRow.search_key.collate("C") if on_postgresql else AgencyRow.search_key
        starts = and_(key >= typed, key < typed + _TOP)
        part, after_key, after_code = decode_search_cursor(page_token) if page_token else (0, "", "")
        found: list[tuple[int, AgencyRow]] = []
        if part == 0:
            first = query.where(starts)
            if after_code:
                first = first.where(or_(key > after_key, and_(key == after_key, AgencyRow.code > after_code)))
            rows = (await session.execute(first.order_by(key, AgencyRow.code).limit(size + 1))).scalars().all()
            found += [(0, cast(AgencyRow, row)) for row in rows]
            after_code = ""
        if len(found) <= size:
            ranges = [and_(agency_words.c.word >= w, agency_words.c.word < w + _TOP) for w in words]
            counts = (await session.execute(select(*[
                select(func.count()).select_from(select(literal(1)).where(r).limit(DENSE).subquery())
                .scalar_subquery() for r in ranges]))).one()
            rest = query.where(~starts)
            if min(counts) < DENSE:
                rarest = min(range(len(words)), key=lambda i: (counts[i], -len(words[i])))
                rest = rest.where(AgencyRow.code.in_(select(agency_words.c.code).where(ranges[rarest])))
            else:
                rarest = -1
            for i, word_range in enumerate(ranges):
                if i != rarest:
                    rest = rest.where(exists().where(agency_words.c.code == AgencyRow.code, word_range))
            if after_code:
                rest = rest.where(AgencyRow.code > after_code)
            rows = (await session.execute(rest.order_by(AgencyRow.code).limit(size + 1 - len(found)))).scalars().all()
            found += [(1, cast(AgencyRow, row)) for row in rows]
        agencies = [row.to_domain() for _, row in found[:size]]
        if len(found) <= size:
            return agencies, ""
        last_part, last = found[size - 1]
        return agencies, encode_search_cursor(last_part, last.search_key if last_part == 0 else "", last.code)

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
                row.search_key = search_key(agency.name, agency.short_name)[:260]
                row.updated_at = now
                await session.flush()
                await session.execute(delete(agency_words).where(agency_words.c.code == agency.code))
                await session.execute(insert(agency_words), [{"word": w, "code": agency.code} for w in
                                                             search_words(agency.code, agency.name, agency.short_name)])
                await add_event(session, outbox, ev.AgencyUpserted(
                    meta=new_meta(actor=actor, agency=actor_agency or agency.code, occurred_at=now),
                    code=agency.code, name=agency.name, created=created[-1]))
        return created

    async def import_directory(self, checked: list[Checked], *, actor: str, source: str,
                               progress: Callable[[int, int], None] | None = None,
                               chunk: int = IMPORT_CHUNK) -> list[bool]:
        """The operator's import of a directory file (``import-agencies``, ``seed``; a national directory holds about
        111,000 agencies): ``checked`` in the file's order, every row already checked
        (:func:`~vanthu_registry.importer.check_rows`); returns the ``created`` flags in that order.

        The rules of :meth:`upsert_many` for the operator, checked in memory on the whole directory read once inside
        the writing transaction: a parent exists or is in the file, and no agency ends up below itself; a refusal
        names the file's row (``row 7.parent_code``) and writes nothing. Then one transaction of bulk statements
        (``chunk`` rows each; ``progress(done, total)`` after each) and one :class:`DirectoryImported` event for the
        whole file, not one :class:`AgencyUpserted` per agency: the outbox relay would publish 111,000 messages
        before any document's event behind them, and nothing consumes them one by one.
        """
        now = self.clock()
        total = len(checked)
        async with self.sessions() as session, session.begin():
            on_postgresql = session.get_bind().dialect.name == "postgresql"
            if on_postgresql:
                await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("agency-directory"))))
            else:  # the word indexes of a national directory (~100 MB) in memory while they are written
                await session.execute(text(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
            stored: dict[str, str | None] = {code: parent for code, parent in
                                             (await session.execute(select(AgencyRow.code, AgencyRow.parent_code)))}
            row_of = {item.agency.code: number for number, item in enumerate(checked, start=1)}
            parents = dict(stored)
            parents.update((item.agency.code, item.agency.parent_code) for item in checked)
            depth = _tree_depths(checked, parents, row_of)
            created = [item.agency.code not in stored for item in checked]
            new = sorted((item for item, fresh in zip(checked, created, strict=True) if fresh),
                         key=lambda item: depth[item.agency.code])  # parents before their units
            changed = [item for item, fresh in zip(checked, created, strict=True) if not fresh]
            # 1. the agencies, parents before their units (the foreign key is checked row by row)
            step = _Progress(progress, 2 * total)
            for start in range(0, len(new), chunk):
                part = new[start:start + chunk]
                await _driver_write(session, agencies_table, [_values(item.agency, now) for item in part])
                step(len(part))
            for start in range(0, len(changed), chunk):
                part = changed[start:start + chunk]
                await _driver_write(session, agencies_table, [_values(item.agency, now) for item in part],
                                    update_by="code")
                await session.execute(delete(agency_words).where(agency_words.c.code.in_(
                    [item.agency.code for item in part])))
                step(len(part))
            # 2. their search words; a large import builds the two indexes after them (a sort each)
            words = [(word, item.agency.code) for item in checked
                     for word in search_words(item.agency.code, item.agency.name, item.agency.short_name)]
            rebuild = len(words) > REBUILD_WORDS
            if rebuild:
                for name, _, _ in WORD_INDEXES:
                    await session.execute(text(f"DROP INDEX {name}"))
            else:
                words.sort()
            per_agency = len(words) / total if total else 1
            for start in range(0, len(words), chunk * 10):
                part_words = words[start:start + chunk * 10]
                await _driver_write(session, agency_words, [{"word": w, "code": c} for w, c in part_words])
                step(round((start + len(part_words)) / per_agency) - step.done + total)
            if rebuild:
                for name, kind, columns in WORD_INDEXES:
                    await session.execute(text(f"CREATE {kind} {name} ON agency_words ({columns})"))
                if on_postgresql:  # the planner's statistics of the new rows, or it plans searches for empty tables
                    await session.execute(text("ANALYZE agencies"))
                    await session.execute(text("ANALYZE agency_words"))
            step(2 * total - step.done)
            await add_event(session, outbox, ev.DirectoryImported(
                meta=new_meta(actor=actor, agency="", occurred_at=now), source=source,
                created=sum(created), updated=total - sum(created)))
        return created

    async def count(self) -> int:
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(AgencyRow))).scalar_one())
