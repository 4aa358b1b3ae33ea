"""``python -m vanthu_signing``: serve (default), dev-pki DIR [--softhsm]."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from vanthu_core import runner
from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_signing import cli
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings

log = logging.getLogger("vanthu.signing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-signing", description="VanThu signing service and its tools.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service (default)")
    dev = sub.add_parser("dev-pki", help="write a DEVELOPMENT-ONLY PKI to DIR")
    dev.add_argument("dir", type=Path)
    dev.add_argument("--softhsm", action="store_true", help="also load the keys into an isolated SoftHSM2 token")
    args = parser.parse_args(argv)
    command = args.command or "serve"
    if command == "dev-pki":
        return cli.main(["dev-pki", str(args.dir), *(["--softhsm"] if args.softhsm else [])])
    settings, common = SigningSettings(), CommonSettings()
    setup_logging("signing", common.log_level, json_output=common.log_json)
    return runner.serve("signing", lambda: SigningServer(settings, common), log)


if __name__ == "__main__":
    sys.exit(main())
