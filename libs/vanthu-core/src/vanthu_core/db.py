"""Database: SQLAlchemy 2 async engines for SQLite (embedded default) and PostgreSQL (scale mode).

One transaction per command. On SQLite every transaction starts with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the database lock instead of failing half-way (SQLite's default deferred
transactions would let two writers read the same counter and one of them fail on upgrade).

Durability on SQLite: ``journal_mode=WAL`` with ``synchronous=NORMAL``. A commit is appended to the write-ahead log
and is durable once the call returns against a crash of the *process* (killed, out of memory): the log is in the
operating system's page cache and the next open replays it. The log is fsync'ed at each checkpoint, not at each
commit, so a *power loss or kernel crash* may lose the transactions committed since the last checkpoint (at most
the ~4 MB of log SQLite checkpoints at), never corrupting the database. A consumer acknowledges a message only after
its commit, so after a power loss such a message may be gone with its effect though it was acknowledged; an
installation that must survive power loss runs on PostgreSQL (every commit flushed to disk).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

log = logging.getLogger("vanthu.db")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


#: SQLite connections a process keeps open. Each is a thread of aiosqlite's plus a connection that ran the pragmas
#: below; one opened past the pool's size is closed again when it is handed back. A service handles
#: ``VANTHU_CONSUMER_CONCURRENCY`` messages per consumer at once besides its gRPC calls and outbox relay: with
#: SQLAlchemy's default of 5 kept, a busy interchange opened and closed a connection (thread start, connect, four
#: pragmas) for many of its transactions (bench/interchange.py, py-spy: ``Thread.start`` under
#: ``Connection.__await__``).
SQLITE_POOL_SIZE = 32


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10, read_only: bool = False) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://…``; ``pool_size``: the
    PostgreSQL connections kept (as many more may be opened at busy times); SQLite keeps
    :data:`SQLITE_POOL_SIZE`.

    ``read_only`` (SQLite): an engine for reads only, whose transactions start deferred (``BEGIN``; its connections
    refuse writes: ``query_only``). A write engine's every transaction, a read too, starts with ``BEGIN IMMEDIATE``
    and so takes the database's one write lock: a read then waits, in SQLite's busy handler that polls with sleeps
    of up to 100 ms, for every write under way, and holds off writers meanwhile. In WAL mode a deferred read takes no
    lock and sees what was committed when it started. On PostgreSQL ``read_only`` changes nothing."""
    if not url:
        raise ValueError("no database URL configured")
    if is_sqlite(url):
        database = make_url(url).database
        on_file = bool(database) and database != ":memory:" and not str(database).startswith("file::memory:")
        if on_file:
            Path(str(database)).parent.mkdir(parents=True, exist_ok=True)
        pooling = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE} if on_file else {}
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 60, "isolation_level": None},
                                     **pooling)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            cursor.close()

        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin_immediate(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    return config


async def migrate(script_location: Path, url: str, revision: str = "head") -> None:
    """Run the service's Alembic migrations up to ``revision`` (in a worker thread: Alembic is sync)."""
    log.info("migrating database", extra={"script_location": str(script_location), "revision": revision})
    await asyncio.to_thread(command.upgrade, alembic_config(script_location, url), revision)


def shown_url(url: str) -> str:
    """``url`` as an operator may read it in a message or log: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _missing_sqlite_file(url: str) -> Path | None:
    """The absolute path of the SQLite file ``url`` names when it is not there; None otherwise."""
    database = make_url(url).database if is_sqlite(url) else None
    if database and database != ":memory:" and not Path(database).is_file():
        return Path(database).resolve()
    return None


async def schema_problem(script_location: Path, url: str) -> str | None:
    """Why the database at ``url`` is not one the migrations in ``script_location`` brought to their head, or None
    when it is. For the operator commands that work on a running service's database (they must not create or
    migrate it as a side effect): a SQLite file that is not there (a relative path read from another directory),
    a database that cannot be opened, never migrated, or at another revision than the code's."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        make_url(url)
    except ArgumentError:
        return "the database URL cannot be read (expected sqlite+aiosqlite:///… or postgresql+asyncpg://…)"
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return f"there is no database file {missing}"
    heads = set(ScriptDirectory.from_config(alembic_config(script_location, url)).get_heads())
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            current = set(await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads()))
    except (OSError, SQLAlchemyError) as error:
        return f"the database {shown_url(url)} cannot be read ({type(error).__name__})"
    finally:
        await engine.dispose()
    if not current:
        return f"the database {shown_url(url)} has no schema (never migrated)"
    if current != heads:
        return (f"the database {shown_url(url)} is at revision {', '.join(sorted(current))}, this code expects "
                f"{', '.join(sorted(heads))}")
    return None


def run_alembic_env(target_metadata: Any) -> None:
    """Body of every service's ``migrations/env.py``: run online migrations with the async engine."""
    from alembic import context

    url: str = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url") or ""

    def do_run(connection: Any) -> None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, connect_args={"timeout": 60} if is_sqlite(url) else {})
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run())


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC on every backend (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware instants only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
