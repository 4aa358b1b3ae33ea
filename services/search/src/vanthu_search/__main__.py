"""``python -m vanthu_search``: serve (default) or reindex (see ``vanthu-search --help``)."""

import sys

from vanthu_search.cli import main

if __name__ == "__main__":
    sys.exit(main())
