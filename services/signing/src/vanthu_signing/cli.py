"""``python -m vanthu_signing.cli dev-pki DIR [--softhsm]``: write a development-only PKI.

Writes root/intermediate certificates, personal/agency/TSA certificates, keys and PKCS#12 files
(password ``vanthu-dev``); with ``--softhsm`` also creates an isolated SoftHSM2 (DIR/softhsm) holding the
personal and agency keys in token ``vanthu-dev`` (PIN 123456); use ``SOFTHSM2_CONF=DIR/softhsm/softhsm2.conf``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vanthu_signing import pki


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vanthu_signing.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev-pki", help="write a DEVELOPMENT-ONLY PKI to DIR")
    dev.add_argument("dir", type=Path)
    dev.add_argument("--softhsm", action="store_true", help="also load the keys into an isolated SoftHSM2 token")
    args = parser.parse_args(argv)
    if args.command == "dev-pki":
        made = pki.generate()
        pki.write(made, args.dir)
        print(f"dev PKI (DEVELOPMENT ONLY) written to {args.dir}")
        if args.softhsm:
            if not pki.have_softhsm():
                print("softhsm2-util / pkcs11-tool not installed", file=sys.stderr)
                return 2
            hsm = pki.SoftHsm(args.dir / "softhsm").setup()
            pki.load_into_softhsm(made, hsm)
            print(f"SoftHSM2 token 'vanthu-dev' ready: export SOFTHSM2_CONF={hsm.conf}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
