"""Each service's migrations build the schema its models describe: a table, column or index the models name and no
migration creates (or the reverse) fails here, not at the first query in production. Compared with alembic's
autogenerate on a database migrated from empty, on SQLite (the embedded default) and PostgreSQL (the scale mode).
Types are not compared (the models' variants, e.g. UtcDateTime, differ from what the databases report back)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from vanthu_core.db import create_engine, migrate

SERVICES = ("registry", "workflow", "signing", "storage", "interchange", "records")

#: Created by a migration and not declarable portably in the model: the registry's name-prefix index is built on
#: ``search_key COLLATE "C"`` on PostgreSQL (its queries give the same collation), on the column on SQLite.
MIGRATION_ONLY_INDEXES = {("registry", "ix_agencies_search_key")}


def models_and_migrations(service: str) -> tuple[MetaData, Path]:
    store = importlib.import_module(f"vanthu_{service}.store")
    server = importlib.import_module(f"vanthu_{service}.server")
    metadata = getattr(store, "metadata", None) or store.Base.metadata
    return metadata, server.MIGRATIONS


def differences(service: str, diff: list[Any]) -> list[Any]:
    def ignored(change: Any) -> bool:
        if isinstance(change, tuple) and change[0] == "remove_table" and change[1].name == "alembic_version":
            return True
        return (isinstance(change, tuple) and change[0] == "remove_index"
                and (service, change[1].name) in MIGRATION_ONLY_INDEXES)
    return [change for change in diff if not ignored(change)]


async def compared(service: str, url: str) -> list[Any]:
    metadata, migrations = models_and_migrations(service)
    await migrate(migrations, url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False}),
                                              metadata))
    finally:
        await engine.dispose()


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
async def test_the_migrations_build_what_the_models_describe_on_sqlite(service: str, tmp_path: Path) -> None:
    diff = await compared(service, f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}")
    assert differences(service, diff) == []


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
async def test_the_migrations_build_what_the_models_describe_on_postgresql(service: str, postgres_url: str) -> None:
    diff = await compared(service, postgres_url)
    assert differences(service, diff) == []
