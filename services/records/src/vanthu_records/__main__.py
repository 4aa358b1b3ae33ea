"""``python -m vanthu_records``: serve (default) or migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from vanthu_core import runner
from vanthu_core.db import migrate
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_records.server import MIGRATIONS, RecordsServer
from vanthu_records.settings import RecordsSettings

log = logging.getLogger("vanthu.records")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-records", description="VanThu records service.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service (default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    args = parser.parse_args(argv)
    settings, common = RecordsSettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("records", common.log_level, json_output=common.log_json and command == "serve")
    if command == "migrate":
        asyncio.run(migrate(MIGRATIONS, settings.database_url))
        return 0
    return runner.serve("records", lambda: RecordsServer(settings, common), log)


if __name__ == "__main__":
    sys.exit(main())
