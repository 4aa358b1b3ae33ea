"""``python -m vanthu_registry``: serve (default), migrate, import-agencies FILE, import-register, seed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import yaml

from vanthu_core import runner
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Conflict, DomainError, NotFound
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction
from vanthu_registry.importer import check_rows, read_rows
from vanthu_registry.register_import import read_book
from vanthu_registry.registers_store import RegisterBooks
from vanthu_registry.server import MIGRATIONS, RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.store import AgencyStore
from vanthu_registry.units_seed import seed_units
from vanthu_registry.units_store import UnitStore

log = logging.getLogger("vanthu.registry")
SEED_FILE = Path(__file__).with_name("seed") / "vinh_long.yaml"
SEED_REGISTERS = Path(__file__).with_name("seed") / "registers.yaml"


async def import_agencies(settings: RegistrySettings, path: Path, *, dry_run: bool) -> int:
    rows, source = read_rows(path)
    source = source or f"import of {path.name}"
    checked = check_rows(rows, source)
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
        created = await AgencyStore(session_factory(engine)).import_directory(
            checked, actor="import", source=source, progress=ProgressBar("importing") if len(checked) > 1 else None)
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


async def seed_demo_units(settings: RegistrySettings) -> None:
    """The demo agencies' units and members they lack (``seed/units.yaml``)."""
    engine = create_engine(settings.database_url)
    try:
        for line in await seed_units(UnitStore(session_factory(engine)), settings.people_directory()):
            print(line)
    finally:
        await engine.dispose()


class ProgressBar:
    """A one-line progress bar on stderr: ``checking ██████░░░░ 120/300``."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width, self.shown = label, width, -1

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        if filled == self.shown and done != total:
            return
        self.shown = filled
        print(f"\r{self.label} {'█' * filled}{'░' * (self.width - filled)} {done}/{total}", end="",
              file=sys.stderr, flush=True)
        if done == total:
            print(file=sys.stderr)


async def import_register(settings: RegistrySettings, register_id: str, path: Path, *, dry_run: bool,
                          actor: str) -> int:
    """Import (or with ``dry_run`` check) the previous system's book into a register; 0 when every line is
    accepted, 1 when some are refused (each printed with its line, column and reason)."""
    content = await asyncio.to_thread(path.read_bytes)
    await migrate(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        documents = DocumentStore(session_factory(engine))
        books = RegisterBooks(documents)
        register = await books.register_by_id(register_id)
        book = read_book(content, path.name, register.direction)
        print(f"{path}: {len(book.lines)} lines for {register.direction.value} register '{register.name}' "
              f"of {register.agency_code}")
        report = await books.import_book(agency_code=register.agency_code, register_id=register.id, book=book,
                                         file_name=path.name, dry_run=dry_run, actor=actor,
                                         progress=ProgressBar("checking" if dry_run else "importing"))
    finally:
        await engine.dispose()
    for refusal in report.refusals:
        print(f"line {refusal.line}: {refusal.field}: {refusal.reason}")
    years = ", ".join(f"{y}: {lo:02d}–{hi:02d}" for y, (lo, hi) in sorted(report.years.items()))
    if report.refusals:
        print(f"{len(report.refusals)} refusal(s); nothing written" + ("" if dry_run else " (all or nothing)"))
        return 1
    if dry_run:
        print(f"dry run: every line would be imported ({years}); nothing written")
    else:
        print(f"imported {report.imported} entries ({years}); the series continues after the highest number")
    return 0


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
    book = sub.add_parser(
        "import-register", help="import a previous system's register book (going live mid-year)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Import the entries of the register book a previous system kept, so the register continues its "
                    "series (Decree 30/2020 Art. 15, 22).",
        epilog="The file (.xlsx, or .csv in UTF-8) has one header row with the columns of the Appendix IV book "
               "(title lines above it and a row of column numbers below it are skipped):\n"
               "  outgoing: Số, ký hiệu văn bản | Ngày tháng văn bản | Tên loại và trích yếu nội dung văn bản |\n"
               "            Người ký | Nơi nhận văn bản | Đơn vị, người nhận bản lưu | Số lượng bản | Ngày chuyển |\n"
               "            Ký nhận | Ghi chú\n"
               "  incoming: Ngày đến | Số đến | Tác giả | Số, ký hiệu | Ngày tháng văn bản |\n"
               "            Tên loại và trích yếu nội dung | Đơn vị hoặc người nhận | Ngày chuyển | Ký nhận | Ghi chú\n"
               "Required: Số, ký hiệu văn bản, Ngày tháng văn bản, Tên loại… (outgoing); Ngày đến, Số đến, Tác giả,\n"
               "Tên loại… (incoming). Dates are dd/mm/yyyy (Ngày đến may add HH:MM). The type is read\n"
               "from 'Quyết định: <trích yếu>', an optional 'Mã loại' column (quyet_dinh), or the symbol (QĐ).\n"
               "Entries become documents of the register (issued / registered, marked imported) and the counter\n"
               "continues after the highest imported number. A line is refused for a number used twice or already\n"
               "held, a number at or beyond this year's own series, a bad or future date, an unknown type or one\n"
               "the register does not number, an empty abstract. Nothing is written while any line is refused.\n\n"
               "Exit status: 0 imported (or would be), 1 lines refused, 2 file or register not found.")
    book.add_argument("--register", required=True, metavar="ID", help="the register's id (ListRegisters)")
    book.add_argument("--file", required=True, type=Path, metavar="PATH", help="the book, .xlsx or .csv")
    book.add_argument("--dry-run", action="store_true",
                      help="report every line that would be refused and why; write nothing")
    book.add_argument("--actor", default="import-register", help="who imports (kept in the history)")
    sub.add_parser("seed", help=f"import the bundled seed directory ({SEED_FILE.name}), demo registers and units")
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
        if command == "import-register":
            return asyncio.run(import_register(settings, args.register, args.file, dry_run=args.dry_run,
                                               actor=args.actor))
        path = args.file if command == "import-agencies" else SEED_FILE
        status = asyncio.run(import_agencies(settings, path, dry_run=getattr(args, "dry_run", False)))
        if command == "seed" and status == 0:
            asyncio.run(seed_registers(settings))
            asyncio.run(seed_demo_units(settings))
        return status
    except NotFound as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
