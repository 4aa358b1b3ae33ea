"""``python -m vanthu_storage``: serve (default), migrate, scrub, sweep."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from vanthu_core import runner
from vanthu_core.db import migrate
from vanthu_core.errors import DomainError
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_storage.server import MIGRATIONS, StorageServer, open_objects
from vanthu_storage.settings import StorageSettings

log = logging.getLogger("vanthu.storage")


async def scrub(settings: StorageSettings) -> int:
    """Read every object back against its digest; exit 1 when any is corrupt or missing."""
    objects, engine = await open_objects(settings)
    try:
        report = await objects.scrub()
    finally:
        await objects.backend.close()
        await engine.dispose()
    for obj, reason in report.corrupt:
        print(f"CORRUPT {obj.object_id} agency={obj.agency_code} sha256={obj.sha256} file={obj.file_name!r}: "
              f"{reason}")
    print(f"scrub: {report.checked} objects, {report.bytes} bytes checked, {len(report.corrupt)} corrupt")
    return 0 if report.ok else 1


async def sweep(settings: StorageSettings) -> int:
    objects, engine = await open_objects(settings)
    try:
        removed = await objects.sweep()
    finally:
        await objects.backend.close()
        await engine.dispose()
    print(f"sweep: {removed} unattached objects older than {settings.sweep_grace_hours:g} h removed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-storage", description="VanThu storage service and its tools.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service (default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("scrub", help="verify every stored object against its SHA-256; exit 1 when any is corrupt")
    sub.add_parser("sweep", help="remove unattached objects older than the grace period (never locked ones)")
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
            return asyncio.run(scrub(settings))
        return asyncio.run(sweep(settings))
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
