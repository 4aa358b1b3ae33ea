"""``python -m vanthu_registry``: serve (default), migrate, import-agencies FILE, seed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import yaml

from vanthu_core import runner
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Conflict, DomainError
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction
from vanthu_registry.importer import check_rows, read_rows
from vanthu_registry.server import MIGRATIONS, RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.store import AgencyStore

log = logging.getLogger("vanthu.registry")
SEED_FILE = Path(__file__).with_name("seed") / "vinh_long.yaml"
SEED_REGISTERS = Path(__file__).with_name("seed") / "registers.yaml"


async def import_agencies(settings: RegistrySettings, path: Path, *, dry_run: bool) -> int:
    rows, source = read_rows(path)
    checked = check_rows(rows, source or f"import of {path.name}")
    for item in checked:
        for field, message in item.warnings:
            print(f"warning: {item.agency.code}: {field}: {message}")
    print(f"{path}: {len(checked)} agencies checked")
    if dry_run:
        print("dry run: nothing written")
        return 0
    await migrate(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        created = await AgencyStore(session_factory(engine)).upsert_many(checked, actor="import", actor_agency=None)
    finally:
        await engine.dispose()
    print(f"imported: {sum(created)} created, {len(created) - sum(created)} updated")
    return 0


async def seed_registers(settings: RegistrySettings) -> None:
    """The demo agencies' registers that they lack, by name (a second seed changes nothing).

    A seed register that would number what a register the agency opened itself numbers is skipped with a line
    saying why (the one-register-per-type-and-kind rule of :mod:`vanthu_registry.domain.registers`).
    """
    engine = create_engine(settings.database_url)
    try:
        store = DocumentStore(session_factory(engine))
        await store.seed_types()
        for entry in yaml.safe_load(SEED_REGISTERS.read_text(encoding="utf-8")):
            agency = entry["agency_code"]
            names = {r.name for r in await store.registers(agency)}
            for r in entry["registers"]:
                if r["name"] in names:
                    continue
                try:
                    await store.create_register(agency_code=agency, direction=Direction(r["direction"]),
                                                name=r["name"], agency_abbreviation=r.get("agency_abbreviation", ""),
                                                type_codes=r.get("type_codes", []),
                                                legal_normative=bool(r.get("legal_normative", False)), actor="seed")
                except Conflict as error:
                    print(f"register skipped: {agency} {r['name']}: {error.message}")
                    continue
                print(f"register created: {agency} {r['name']}")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-registry", description="VanThu registry service and its tools.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service (default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    imp = sub.add_parser("import-agencies", help="import an agency directory from a .yaml or .csv file "
                                                 "(columns: code,name,short_name,parent_code,level,valid_from,"
                                                 "valid_to,address,email,phone,source,place)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check the file only")
    sub.add_parser("seed", help=f"import the bundled seed directory ({SEED_FILE.name}) and demo registers")
    args = parser.parse_args(argv)
    settings, common = RegistrySettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("registry", common.log_level, json_output=common.log_json and command == "serve")
    try:
        if command == "serve":
            return runner.serve("registry", lambda: RegistryServer(settings, common), log)
        if command == "migrate":
            asyncio.run(migrate(MIGRATIONS, settings.database_url))
            return 0
        path = args.file if command == "import-agencies" else SEED_FILE
        status = asyncio.run(import_agencies(settings, path, dry_run=getattr(args, "dry_run", False)))
        if command == "seed" and status == 0:
            asyncio.run(seed_registers(settings))
        return status
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
