"""``python -m vanthu_signing``: serve (default), dev-pki DIR [--softhsm], profile set|list|delete."""

import sys

from vanthu_signing.cli import main

if __name__ == "__main__":
    sys.exit(main())
