"""Command line of the signing service: ``serve`` (default), ``dev-pki`` and ``profile``.

``profile`` is how the operator binds keys: a person (``--subject``, the ``sub`` of their tokens; or ``--user``,
resolved to the subject with a users file) or the agency's seal (``--seal``) of one agency, to a key the service
holds (``--key LABEL``: PKCS#11 token label or PKCS#12 file stem) or to the certificate of a key it does not hold
(``--certificate FILE``: two-step signing from a USB token or a remote-signing provider). Users can only sign with
their own profile, found by their subject: a renamed account keeps its key, an account recreated under someone's
former username gets none.

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
from vanthu_signing.people import UsersFileError, subjects_by_username, username_of
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
    put = psub.add_parser(
        "set", help="create or change a profile", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Bind a person or the agency's seal to a key. A person's profile belongs to their subject (the "
                    "`sub` of their tokens), never to their username, which can be renamed or given to a new "
                    "account; the username is kept for display.",
        epilog="Where the subject comes from:\n"
               "  production (Keycloak): the user's ID as Keycloak shows it (admin console: Users -> the user ->\n"
               "    ID), passed as --subject; or resolve --user with --users-file FILE, FILE being the realm's\n"
               "    users as `kcadm.sh get users -r vanthu --fields id,username` prints them (JSON).\n"
               "  make dev: --user alone; the dev issuer's users file gives the subject (VANTHU_SIGNING_USERS_FILE).\n"
               "A profile made before profiles were bound to subjects is bound by naming its username and the\n"
               "person's --subject once you have checked who holds the key.")
    put.add_argument("--agency", required=True, help="agency identifier code (mã định danh), e.g. 000.00.00.H61")
    add_person_arguments(put)
    put.add_argument("--seal", action="store_true", help="the agency's own signature (organisation seal key)")
    key = put.add_mutually_exclusive_group()
    key.add_argument("--key", help="label of a key the service holds (PKCS#11 label or PKCS#12 file stem)")
    key.add_argument("--certificate", type=Path, help="PEM/DER certificate of a key the service does not hold")
    put.add_argument("--image", type=Path, help="PNG with a transparent background: signature or seal image")
    show = psub.add_parser("list", help="list profiles (agency, kind, username, subject or '(unbound)', key, …)")
    show.add_argument("--agency", help="only this agency")
    rm = psub.add_parser("delete", help="remove a profile")
    rm.add_argument("--agency", required=True)
    add_person_arguments(rm)
    rm.add_argument("--seal", action="store_true")
    return top


def add_person_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subject", help="the person's subject: the `sub` of their tokens (Keycloak: Users -> the "
                                          "user -> ID); the profile belongs to it")
    parser.add_argument("--user", help="the person's username, kept for display; without --subject it is resolved "
                                       "to the subject with --users-file")
    parser.add_argument("--users-file", type=Path,
                        help="usernames to subjects: the dev issuer's users file or a Keycloak users export "
                             "(JSON with id and username); default VANTHU_SIGNING_USERS_FILE")


class Refused(Exception):
    """The command line names no one it can bind (exit 2, like argparse's refusals)."""


def who(args: argparse.Namespace, settings: SigningSettings) -> tuple[str, str, str | None]:
    """(kind, subject, username for display or None to keep) of the profile the arguments name."""
    if args.seal:
        if args.user or args.subject:
            raise Refused("--seal names the agency's profile: give no --user or --subject with it")
        return AGENCY, "", ""
    if not args.user and not args.subject:
        raise Refused("name the person with --subject (and --user for display) or --user, or use --seal")
    users_file = args.users_file or (Path(settings.users_file) if settings.users_file else None)
    username = nfc(args.user) if args.user else None
    subject = (args.subject or "").strip()
    if subject:
        if len(subject) > 100 or any(ch.isspace() or ord(ch) < 32 for ch in subject):
            raise Refused("--subject: at most 100 characters without spaces or control characters")
        if username is None and users_file is not None:
            username = username_of(users_file, subject)
        return PERSONAL, subject, username
    assert username is not None
    found = subjects_by_username(users_file).get(username) if users_file is not None else None
    if not found:
        where = f"in {users_file}" if users_file is not None else "without a users file"
        raise Refused(f"cannot tell the subject of {username!r} {where}: pass --subject with the user's ID as "
                      "Keycloak shows it (Users -> the user -> ID), or --users-file")
    return PERSONAL, found, username


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
                owner = p.subject if p.subject is not None else "(unbound: bind with --subject)"
                print(f"{p.agency_code}\t{p.kind}\t{p.username or '(agency)'}\t{owner or '-'}\t{custody}\t"
                      f"image={'yes' if p.image else 'no'}\t{p.updated_at.isoformat()}")
            return 0
        try:
            kind, subject, username = who(args, settings)
        except (Refused, UsersFileError) as refusal:
            print(f"error: {refusal}", file=sys.stderr)
            return 2
        if args.action == "delete":
            removed = await store.delete_profile(args.agency, kind, subject)
            print("removed" if removed else "no such profile")
            return 0 if removed else 1
        if args.key is not None and not LABEL.fullmatch(args.key):
            print("--key: 1-64 characters among letters, digits, '_', '.', '-'", file=sys.stderr)
            return 2
        image = args.image.read_bytes() if args.image else None
        if image is not None:
            ap.check_png(image, "--image")
        cert = _certificate(args.certificate) if args.certificate else None
        saved = await store.put_profile(agency_code=args.agency, kind=kind, subject=subject, username=username,
                                        key_label=args.key, certificate=cert, image=image, actor="operator")
        print(f"profile {saved.profile_id}: {saved.kind} {saved.username or '(agency)'}"
              f"{f' (subject {saved.subject})' if saved.subject else ''} of {saved.agency_code}, "
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
