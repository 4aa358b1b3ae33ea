"""``python -m vanthu_records``: serve (default) or migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

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
    renew = sub.add_parser("renew-timestamps", help="re-timestamp the archived documents whose last timestamp "
                                                    "expires within N days (as an archivist of the agency)")
    renew.add_argument("--within-days", type=int, default=90, help="the horizon in days (default 90)")
    renew.add_argument("--target", default="", help="the records service, host:port (default: this one's port)")
    renew.add_argument("--token-file", default="", help="a file holding the archivist's bearer token (default: "
                                                        "the variable VANTHU_RECORDS_RENEW_TOKEN)")
    args = parser.parse_args(argv)
    settings, common = RecordsSettings(), CommonSettings()
    command = args.command or "serve"
    setup_logging("records", common.log_level, json_output=common.log_json and command == "serve")
    if command == "migrate":
        asyncio.run(migrate(MIGRATIONS, settings.database_url))
        return 0
    if command == "renew-timestamps":
        token = Path(args.token_file).read_text(encoding="utf-8").strip() if args.token_file else \
            os.environ.get("VANTHU_RECORDS_RENEW_TOKEN", "")
        if not token:
            print("no token: give --token-file or VANTHU_RECORDS_RENEW_TOKEN (an archivist's)", file=sys.stderr)
            return 2
        return asyncio.run(renew_timestamps(args.target or f"127.0.0.1:{settings.grpc_port}", args.within_days,
                                            token))
    return runner.serve("records", lambda: RecordsServer(settings, common), log)


async def renew_timestamps(target: str, within_days: int, token: str) -> int:
    """Call the service's ``RenewTimestamps`` with an archivist's token (its agency's archived files); the number of
    new versions on stdout. Exit 1 when the service refuses."""
    import grpc

    from vanthu.records.v1 import records_pb2, records_pb2_grpc
    from vanthu_core.grpc_client import bearer_metadata

    async with grpc.aio.insecure_channel(target) as channel:
        try:
            reply = await records_pb2_grpc.RecordsServiceStub(channel).RenewTimestamps(
                records_pb2.RenewTimestampsRequest(within_days=within_days), metadata=bearer_metadata(token),
                timeout=3600)
        except grpc.aio.AioRpcError as error:
            print(f"refused: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    print(f"renewed {reply.renewed} archived document version(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
