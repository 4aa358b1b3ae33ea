"""``vanthu-interchange`` (``python -m vanthu_interchange``): serve (default), migrate, deliveries, resend."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from vanthu_core import runner
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_interchange.server import MIGRATIONS, InterchangeServer
from vanthu_interchange.settings import InterchangeSettings
from vanthu_interchange.store import InterchangeStore

log = logging.getLogger("vanthu.interchange")


async def resend(settings: InterchangeSettings, delivery_ids: list[str], agency: str | None, all_failed: bool) -> int:
    """Make failed deliveries pending again (the running service sends them at its next poll)."""
    await migrate(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        store = InterchangeStore(session_factory(engine))
        ids = list(delivery_ids)
        if all_failed:
            ids += [d.id for d in await store.failed(agency)]
        if not ids:
            print("resend: no failed delivery to resend")
            return 0
        reopened = 0
        for delivery_id in ids:
            row = await store.reopen(delivery_id, agency)
            if row is None:
                print(f"SKIPPED {delivery_id}: no failed delivery with this id" + (f" of {agency}" if agency else ""))
                continue
            reopened += 1
            print(f"RESEND {row.id} {row.kind} {row.sender_code} -> {row.recipient_code} ({row.edxml_document_id})")
        print(f"resend: {reopened} of {len(ids)} deliveries will be sent again at the service's next poll")
        return 0 if reopened == len(ids) else 1
    finally:
        await engine.dispose()


async def failed(settings: InterchangeSettings, agency: str | None) -> int:
    """List the failed deliveries."""
    await migrate(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        rows = await InterchangeStore(session_factory(engine)).failed(agency)
    finally:
        await engine.dispose()
    for row in rows:
        print(f"{row.id} {row.kind} {row.sender_code} -> {row.recipient_code} attempts={row.attempts} "
              f"({row.edxml_document_id}): {row.last_error}")
    print(f"{len(rows)} failed deliveries")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="vanthu-interchange",
        description="VanThu interchange: sends issued documents as edXML packages (QCVN 102:2016) to their "
                    "recipients, takes packages in as arrivals, and carries the statuses back.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the service (default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    failed_parser = sub.add_parser("failed", help="list the deliveries that gave up after their attempts")
    failed_parser.add_argument("--agency", help="only this sending agency's (mã định danh, e.g. 000.00.01.H61)")
    resend_parser = sub.add_parser(
        "resend", help="send failed deliveries again: they become pending and the running service sends them "
                       "(retrying with backoff up to VANTHU_INTERCHANGE_MAX_ATTEMPTS)")
    resend_parser.add_argument("delivery_ids", nargs="*", metavar="DELIVERY_ID", help="deliveries to resend")
    resend_parser.add_argument("--all-failed", action="store_true", help="every failed delivery (of --agency)")
    resend_parser.add_argument("--agency", help="only this sending agency's deliveries")
    args = parser.parse_args(argv)
    settings, common = InterchangeSettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("interchange", common.log_level, json_output=common.log_json and command == "serve")
    if command == "serve":
        return runner.serve("interchange", lambda: InterchangeServer(settings, common), log)
    if command == "migrate":
        asyncio.run(migrate(MIGRATIONS, settings.database_url))
        return 0
    if command == "failed":
        return asyncio.run(failed(settings, args.agency))
    if not args.delivery_ids and not args.all_failed:
        resend_parser.error("name the deliveries to resend, or --all-failed")
    return asyncio.run(resend(settings, args.delivery_ids, args.agency, args.all_failed))


if __name__ == "__main__":
    sys.exit(main())
