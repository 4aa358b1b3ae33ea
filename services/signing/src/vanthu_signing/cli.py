"""Command line of the signing service: ``serve`` (default), ``dev-pki`` and ``profile``.

``profile`` is how the operator binds keys: a person (``--user``) or the agency's seal (``--seal``) of one
agency, to a key the service holds (``--key LABEL``: PKCS#11 token label or PKCS#12 file stem) or to the
certificate of a key it does not hold (``--certificate FILE``: two-step signing from a USB token or a
remote-signing provider). Users can only sign with their own profile.

``dev-pki DIR [--softhsm]`` writes a DEVELOPMENT-ONLY PKI: root/intermediate certificates, personal/agency/TSA
certificates, keys and PKCS#12 files (password ``vanthu-dev``); with ``--softhsm`` also an isolated SoftHSM2
(DIR/softhsm) holding the personal and agency keys in token ``vanthu-dev`` (PIN 123456).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from cryptography import x509

from vanthu_core.errors import DomainError
from vanthu_core.text import nfc
from vanthu_signing import pki
from vanthu_signing.domain import appearance as ap
from vanthu_signing.keys import LABEL
from vanthu_signing.settings import SigningSettings
from vanthu_signing.store import AGENCY, PERSONAL

log = logging.getLogger("vanthu.signing")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="vanthu-signing", description="VanThu signing service and its tools. "
                                  "Settings come from VANTHU_SIGNING_* variables (database, keys, trust roots).")
    sub = top.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the gRPC service (default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    dev = sub.add_parser("dev-pki", help="write a DEVELOPMENT-ONLY PKI to DIR")
    dev.add_argument("dir", type=Path)
    dev.add_argument("--softhsm", action="store_true", help="also load the keys into an isolated SoftHSM2 token")
    prof = sub.add_parser("profile", help="bind people and agencies to signing keys (operator)")
    psub = prof.add_subparsers(dest="action", required=True)
    put = psub.add_parser("set", help="create or change a profile")
    put.add_argument("--agency", required=True, help="agency identifier code (mã định danh), e.g. 000.00.00.H61")
    who = put.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="username of the person (leader or head) who signs with this key")
    who.add_argument("--seal", action="store_true", help="the agency's own signature (organisation seal key)")
    key = put.add_mutually_exclusive_group()
    key.add_argument("--key", help="label of a key the service holds (PKCS#11 label or PKCS#12 file stem)")
    key.add_argument("--certificate", type=Path, help="PEM/DER certificate of a key the service does not hold")
    put.add_argument("--image", type=Path, help="PNG with a transparent background: signature or seal image")
    show = psub.add_parser("list", help="list profiles")
    show.add_argument("--agency", help="only this agency")
    rm = psub.add_parser("delete", help="remove a profile")
    rm.add_argument("--agency", required=True)
    rm_who = rm.add_mutually_exclusive_group(required=True)
    rm_who.add_argument("--user")
    rm_who.add_argument("--seal", action="store_true")
    return top


def dev_pki(directory: Path, softhsm: bool) -> int:
    made = pki.generate()
    pki.write(made, directory)
    print(f"dev PKI (DEVELOPMENT ONLY) written to {directory}")
    if softhsm:
        if not pki.have_softhsm():
            print("softhsm2-util / pkcs11-tool not installed", file=sys.stderr)
            return 2
        hsm = pki.SoftHsm(directory / "softhsm").setup()
        pki.load_into_softhsm(made, hsm)
        print(f"SoftHSM2 token 'vanthu-dev' ready: export SOFTHSM2_CONF={hsm.conf}")
    return 0


def _certificate(path: Path) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    data = path.read_bytes()
    cert = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    return cert.public_bytes(Encoding.DER)


async def profile(args: argparse.Namespace, settings: SigningSettings) -> int:
    from vanthu_signing.server import open_store

    store, engine = await open_store(settings)
    try:
        if args.action == "list":
            for p in await store.profiles(args.agency):
                custody = f"key {p.key_label}" if p.key_label else "remote certificate"
                print(f"{p.agency_code}\t{p.kind}\t{p.username or '(agency)'}\t{custody}\t"
                      f"image={'yes' if p.image else 'no'}\t{p.updated_at.isoformat()}")
            return 0
        kind, username = (AGENCY, "") if args.seal else (PERSONAL, nfc(args.user))
        if args.action == "delete":
            removed = await store.delete_profile(args.agency, kind, username)
            print("removed" if removed else "no such profile")
            return 0 if removed else 1
        if args.key is not None and not LABEL.fullmatch(args.key):
            print("--key: 1-64 characters among letters, digits, '_', '.', '-'", file=sys.stderr)
            return 2
        image = args.image.read_bytes() if args.image else None
        if image is not None:
            ap.check_png(image, "--image")
        cert = _certificate(args.certificate) if args.certificate else None
        saved = await store.put_profile(agency_code=args.agency, kind=kind, username=username, key_label=args.key,
                                        certificate=cert, image=image, actor="operator")
        print(f"profile {saved.profile_id}: {saved.kind} {saved.username or '(agency)'} of {saved.agency_code}, "
              f"{'key ' + saved.key_label if saved.key_label else 'remote certificate'}, "
              f"image={'yes' if saved.image else 'no'}")
        return 0
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = args.command or "serve"
    if command == "dev-pki":
        return dev_pki(args.dir, args.softhsm)
    if command == "migrate":
        from vanthu_core.db import migrate
        from vanthu_signing.server import MIGRATIONS

        asyncio.run(migrate(MIGRATIONS, SigningSettings().database_url))
        return 0
    if command == "profile":
        try:
            return asyncio.run(profile(args, SigningSettings()))
        except (DomainError, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    from vanthu_core import runner
    from vanthu_core.logging import setup_logging
    from vanthu_core.settings import CommonSettings
    from vanthu_signing.server import SigningServer

    settings, common = SigningSettings(), CommonSettings()
    setup_logging("signing", common.log_level, json_output=common.log_json)
    return runner.serve("signing", lambda: SigningServer(settings, common), log)


if __name__ == "__main__":
    sys.exit(main())
