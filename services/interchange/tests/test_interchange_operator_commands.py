"""``vanthu-interchange failed`` and ``resend`` work on the running service's database: they neither create nor
migrate one. Run from another directory (a relative SQLite path) they ended in a raw SQLAlchemy traceback, and every
call migrated the database and logged Alembic's lines (found trying the operator commands as a new user). Now a
database that is not there, never migrated or at another revision is a one-line error and exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanthu_core.db import migrate
from vanthu_interchange.__main__ import main
from vanthu_interchange.server import MIGRATIONS

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("command", [["failed"], ["resend", "--all-failed"]])
async def test_the_commands_refuse_a_database_that_is_not_the_services_and_create_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: list[str]) -> None:
    import asyncio

    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("VANTHU_INTERCHANGE_DATABASE_URL", "sqlite+aiosqlite:///var/interchange.db")  # relative

    code = await asyncio.to_thread(main, command)
    err = capsys.readouterr().err
    assert code == 2
    assert f"there is no database file {elsewhere / 'var' / 'interchange.db'}" in err
    assert "Run this command where the service runs" in err and "Traceback" not in err
    assert list(elsewhere.iterdir()) == []  # no var/, no empty database

    empty = tmp_path / "empty.db"
    empty.touch()
    monkeypatch.setenv("VANTHU_INTERCHANGE_DATABASE_URL", f"sqlite+aiosqlite:///{empty}")
    assert await asyncio.to_thread(main, command) == 2
    assert "has no schema (never migrated)" in capsys.readouterr().err
    assert empty.stat().st_size == 0  # not migrated by the command

    monkeypatch.setenv("VANTHU_INTERCHANGE_DATABASE_URL", "garbage")
    assert await asyncio.to_thread(main, command) == 2
    err = capsys.readouterr().err
    assert "the database URL cannot be read" in err and "Traceback" not in err

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await migrate(MIGRATIONS, url, "0003")
    monkeypatch.setenv("VANTHU_INTERCHANGE_DATABASE_URL", url)
    assert await asyncio.to_thread(main, command) == 2
    assert "is at revision 0003, this code expects " in capsys.readouterr().err

    await migrate(MIGRATIONS, url)  # the service's database, at head
    assert await asyncio.to_thread(main, command) == 0
    out = capsys.readouterr().out
    assert out.strip() in ("0 failed deliveries", "resend: no failed delivery to resend")
