"""The national axis's agency directory as a file the registry imports (the fake axis: its contract is reconstructed,
regulations digest §2.3): parents named by code and listed first, the source dated, and the import keeps the
province's own additions."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
import yaml

from vanthu_axis.model import Agency
from vanthu_core.db import create_engine, session_factory
from vanthu_interchange.__main__ import main
from vanthu_interchange.directory import directory_file, directory_rows
from vanthu_registry.importer import import_directory, read_rows
from vanthu_registry.store import AgencyStore
from vanthu_testing.fake_axis import FakeAxis

pytestmark = pytest.mark.integration


@pytest.mark.unit
def test_rows_name_parents_by_code_parents_first_and_duplicates_once() -> None:
    agencies = [Agency(id="7", pid="3", code="000.01.02.H61", name="Phòng Tổ chức, Sở Nội vụ"),
                Agency(id="3", pid="1", code="000.00.02.H61", name="Sở Nội vụ tỉnh Vĩnh Long",
                       mail="snv@vinhlong.gov.vn"),
                Agency(id="1", code="000.00.00.H61", name="Ủy ban nhân dân tỉnh Vĩnh Long"),
                Agency(id="9", pid="404", code="000.00.00.G09", name="Bộ Nội vụ"),
                Agency(id="10", code="000.00.02.H61", name="Sở Nội vụ (bản trùng)")]
    rows = directory_rows(agencies)
    assert [r["code"] for r in rows] == ["000.00.00.G09", "000.00.00.H61", "000.00.02.H61", "000.01.02.H61"]
    assert rows[2] == {"code": "000.00.02.H61", "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": "000.00.00.H61",
                       "email": "snv@vinhlong.gov.vn"}
    assert "parent_code" not in rows[0]  # its parent is not on the axis: no parent
    text = directory_file(agencies, date(2026, 12, 4))
    assert yaml.safe_load(text)["source"] == "Trục liên thông văn bản quốc gia, 04/12/2026"
    assert "Ủy ban nhân dân tỉnh Vĩnh Long" in text  # Vietnamese kept as text, not escaped


def test_the_command_writes_a_file_the_registry_imports_keeping_local_additions(
        fake_axis: FakeAxis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = fake_axis.settings("vxp.test.a")
    for name, value in (("URL", settings.endpoint), ("SYSTEM_ID", "vxp.test.a"),
                        ("SECRET", fake_axis.secret("vxp.test.a"))):
        monkeypatch.setenv(f"VANTHU_INTERCHANGE_AXIS_{name}", value)
    out = tmp_path / "axis-agencies.yaml"
    assert main(["directory", "--out", str(out)]) == 0
    rows, source = read_rows(out)
    assert source.startswith("Trục liên thông văn bản quốc gia")
    assert {r["code"] for r in rows} == {"000.00.00.H61", "000.00.02.H61", "000.00.00.G22", "000.00.00.H14"}

    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"

    async def import_and_read() -> None:
        await import_directory(url, [{"code": "000.00.00.H61", "name": "UBND tỉnh Vĩnh Long"},
                                     {"code": "000.00.41.H61", "name": "Phường Long Châu",
                                      "parent_code": "000.00.00.H61"}], source="seed")
        await import_directory(url, rows, source=source)
        engine = create_engine(url)
        try:
            store = AgencyStore(session_factory(engine))
            assert (await store.get("000.00.41.H61")).name == "Phường Long Châu"  # the local addition stays
            assert (await store.get("000.00.02.H61")).parent_code == "000.00.00.H61"
            assert (await store.get("000.00.00.H61")).name == "Ủy ban nhân dân tỉnh Vĩnh Long"  # the axis's name
        finally:
            await engine.dispose()

    asyncio.run(import_and_read())


def test_without_an_axis_the_command_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("URL", "SYSTEM_ID", "SECRET"):
        monkeypatch.delenv(f"VANTHU_INTERCHANGE_AXIS_{name}", raising=False)
    assert main(["directory", "--out", str(tmp_path / "x.yaml")]) == 2
    assert "VANTHU_INTERCHANGE_AXIS_URL" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()
