"""``python -m vanthu_identity``: run the development issuer (``rotate-key`` adds a signing key)."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from vanthu_core.logging import setup_logging
from vanthu_identity.app import create_app
from vanthu_identity.keys import KeyStore
from vanthu_identity.settings import IdentitySettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-identity",
                                     description="VanThu development identity issuer (never use in production).")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "rotate-key"],
                        help="serve (default) or rotate-key: add a new signing key; old ones stay in the JWKS")
    args = parser.parse_args(argv)
    settings = IdentitySettings()
    setup_logging("identity")
    if args.command == "rotate-key":
        key = KeyStore(settings.key_dir).rotate()
        print(f"new signing key {key.kid}")
        return 0
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
