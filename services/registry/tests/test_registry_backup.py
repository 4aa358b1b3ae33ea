"""A backup of the registry's PostgreSQL database is restored whole (charts/vanthu/README.md "Backups and restore"):
the operator's daily ``pg_dump --format=custom`` of a migrated, seeded database, restored with ``pg_restore`` into an
empty database, holds the same rows (Vietnamese names included) and the same schema revision, and the service
works on it: its migrations find nothing to do and it reads an agency back. Debian's PostgreSQL, as in production."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_registry.__main__ import main
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import AgencyStore
from vanthu_testing.postgres import PostgresServer

pytestmark = pytest.mark.integration


def run(server: PostgresServer, tool: str, *args: str) -> str:
    """One of the server's client tools as the cluster's owner, on its port; its standard output."""
    answer = subprocess.run(server._cmd(str(server.bin_dir / tool), "-h", "127.0.0.1", "-p", str(server.port),
                                        "-U", "vanthu", *args), check=True, capture_output=True, text=True)
    return answer.stdout


def plain_dump(server: PostgresServer, database: str) -> str:
    """Schema and rows as SQL text, less the random key of psql's \\restrict guard (a new one each dump)."""
    text = run(server, "pg_dump", "--no-owner", "--format=plain", "--dbname", database)
    return "\n".join(line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


async def read_agency(url: str, code: str) -> str:
    engine = create_engine(url)
    try:
        agency = await AgencyStore(session_factory(engine)).get(code)
        return agency.name
    finally:
        await engine.dispose()


def test_a_dump_of_the_registry_restores_into_an_empty_database(postgres_server: PostgresServer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    source = "backup_source"
    url = postgres_server.create_database(source)
    monkeypatch.setenv("VANTHU_REGISTRY_DATABASE_URL", url)
    monkeypatch.setenv("VANTHU_EVENTS_ENABLED", "false")
    assert main(["seed"]) == 0   # migrates, then the bundled agencies, registers and units

    archive = postgres_server.workdir / "registry.dump"
    run(postgres_server, "pg_dump", "--format=custom", "--file", str(archive), "--dbname", source)
    restored_url = postgres_server.create_database("backup_restored")
    run(postgres_server, "pg_restore", "--no-owner", "--exit-on-error", "--dbname", "backup_restored", str(archive))

    original = plain_dump(postgres_server, source)
    assert "COPY public.agencies" in original and "Ủy ban nhân dân" in original.replace("Uỷ", "Ủy")
    assert plain_dump(postgres_server, "backup_restored") == original
    asyncio.run(migrate(MIGRATIONS, restored_url))          # at the same revision: nothing to do
    assert plain_dump(postgres_server, "backup_restored") == original
    assert asyncio.run(read_agency(restored_url, "000.00.00.H61")) == asyncio.run(read_agency(url, "000.00.00.H61"))
