"""``vanthu-interchange`` (``python -m vanthu_interchange``): serve (default), migrate, deliveries, resend."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from vanthu_core import runner
from vanthu_core.db import create_engine, migrate, schema_problem, session_factory
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_interchange.server import MIGRATIONS, InterchangeServer
from vanthu_interchange.settings import InterchangeSettings
from vanthu_interchange.store import InterchangeStore

log = logging.getLogger("vanthu.interchange")


async def _database_problem(settings: InterchangeSettings) -> bool:
    """Whether the service's database is missing or not at the code's schema, said on stderr: ``failed`` and
    ``resend`` work on a running service's database and must not create or migrate one (they did, and from another
    directory a relative SQLite path ended in a raw traceback)."""
    problem = await schema_problem(MIGRATIONS, settings.database_url)
    if problem is not None:
        print(f"error: {problem}. Run this command where the service runs, with its settings "
              "(VANTHU_INTERCHANGE_DATABASE_URL), after the service has started once or `vanthu-interchange migrate`.",
              file=sys.stderr)
    return problem is not None


async def resend(settings: InterchangeSettings, delivery_ids: list[str], agency: str | None, all_failed: bool) -> int:
    """Make failed deliveries pending again (the running service sends them at its next poll); 2 when the database
    is not the service's (:func:`_database_problem`)."""
    if await _database_problem(settings):
        return 2
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
    """List the failed deliveries; 2 when the database is not the service's (:func:`_database_problem`)."""
    if await _database_problem(settings):
        return 2
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


async def directory(settings: InterchangeSettings, out: Path) -> int:
    """Write the national axis's agency directory as a file ``vanthu-registry import-agencies`` reads."""
    from vanthu_axis.client import AxisClient
    from vanthu_core.timeutil import utc_now, vietnam_time
    from vanthu_interchange.directory import directory_file

    if not settings.axis_configured:
        print("error: the national axis is not configured (VANTHU_INTERCHANGE_AXIS_URL, _AXIS_SYSTEM_ID, "
              "_AXIS_SECRET)", file=sys.stderr)
        return 2
    client = AxisClient(settings.axis_settings())
    try:
        print(f"fetching the agency directory from {settings.axis_url} ...", file=sys.stderr)
        agencies = await client.agencies()
    finally:
        await client.aclose()
    text = directory_file(agencies, vietnam_time(utc_now()).date())
    staged = out.with_name(out.name + ".partial")
    staged.write_text(text, encoding="utf-8")
    staged.replace(out)  # nothing half-written under the final name
    print(f"{len(agencies)} agencies written to {out}; next: vanthu-registry import-agencies {out} --dry-run")
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
    directory_parser = sub.add_parser(
        "directory", help="fetch the national axis's agency directory into a file for `vanthu-registry "
                          "import-agencies` (which keeps the province's own additions)")
    directory_parser.add_argument("--out", type=Path, required=True, help="the .yaml file to write")
    args = parser.parse_args(argv)
    settings, common = InterchangeSettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("interchange", common.log_level, json_output=common.log_json and command == "serve")
    if command == "serve":
        return runner.serve("interchange", lambda: InterchangeServer(settings, common), log)
    if command == "migrate":
        asyncio.run(migrate(MIGRATIONS, settings.database_url))
        return 0
    if command == "directory":
        return asyncio.run(directory(settings, args.out))
    if command == "failed":
        return asyncio.run(failed(settings, args.agency))
    if not args.delivery_ids and not args.all_failed:
        resend_parser.error("name the deliveries to resend, or --all-failed")
    return asyncio.run(resend(settings, args.delivery_ids, args.agency, args.all_failed))


if __name__ == "__main__":
    sys.exit(main())
