"""``python -m vanthu_storage``: serve (default), migrate, scrub, sweep."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime

from vanthu_core import runner
from vanthu_core.db import migrate
from vanthu_core.errors import DomainError
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_storage.server import MIGRATIONS, StorageServer, open_objects
from vanthu_storage.settings import StorageSettings

log = logging.getLogger("vanthu.storage")


async def scrub(settings: StorageSettings, *, delete_strays: bool = False) -> int:
    """Read every object back against its digest and list strays; exit 1 when any is corrupt or missing."""
    objects, engine = await open_objects(settings)
    try:
        report = await objects.scrub(delete_strays=delete_strays)
    finally:
        await objects.backend.close()
        await engine.dispose()
    missing = {obj.object_id for obj in report.missing}
    for obj, reason in report.corrupt:
        label = "MISSING" if obj.object_id in missing else "CORRUPT"
        print(f"{label} {obj.object_id} agency={obj.agency_code} sha256={obj.sha256} file={obj.file_name!r}: "
              f"{reason}")
    deleted = set(report.deleted_strays)
    for key, modified in report.strays:
        label = "STRAY DELETED" if key in deleted else "STRAY"
        print(f"{label} {key} (written {modified.isoformat(timespec='seconds')}): no catalogue row points to it")
    print(f"scrub: {report.checked} objects, {report.bytes} bytes checked, "
          f"{len(report.corrupt) - len(missing)} corrupt, {len(missing)} missing, {len(report.strays)} stray "
          f"({len(deleted)} deleted)")
    return 0 if report.ok else 1


async def sweep(settings: StorageSettings, now: datetime | None = None) -> int:
    objects, engine = await open_objects(settings)
    try:
        removed = await objects.sweep(now)
    finally:
        await objects.backend.close()
        await engine.dispose()
    print(f"sweep: {removed} objects nothing refers to, older than {settings.sweep_grace_hours:g} h, removed")
    return 0


def _instant(value: str) -> datetime:
    """``--now``: an ISO 8601 date-time; without an offset it is read as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date-time (e.g. 2026-12-06T08:00:00+07:00)") \
            from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-storage", description="VanThu storage service and its tools.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service (default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    scrub_parser = sub.add_parser("scrub", help="verify every stored object against its SHA-256 and list stray "
                                                "objects (no catalogue row); exit 1 when any is corrupt or missing")
    scrub_parser.add_argument("--delete-strays", action="store_true",
                              help="remove stray objects older than the sweep grace period")
    sweep_parser = sub.add_parser(
        "sweep", help="remove uploads nothing refers to any more, after the grace period (never retained or held "
                      "ones), and finish deletions a crash left half done")
    sweep_parser.add_argument("--now", type=_instant, default=None,
                              help="the clock of this run (ISO 8601; default: the system clock, which libfaketime "
                                   "may move)")
    args = parser.parse_args(argv)
    settings, common = StorageSettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("storage", common.log_level, json_output=common.log_json and command == "serve")
    try:
        if command == "serve":
            return runner.serve("storage", lambda: StorageServer(settings, common), log)
        if command == "migrate":
            asyncio.run(migrate(MIGRATIONS, settings.database_url))
            return 0
        if command == "scrub":
            return asyncio.run(scrub(settings, delete_strays=args.delete_strays))
        return asyncio.run(sweep(settings, args.now))
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
