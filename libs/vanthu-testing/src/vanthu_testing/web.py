"""The built web application's first load (issue 14: "initial JavaScript ≤ 400 KB gzip"), measured the same way by
``bench/web_bundle.py`` and the budget test of the gateway's tests: the module entry of ``dist/index.html`` and every
module it preloads, each compressed with gzip -9 as the gateway's GZip middleware sends it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

#: The aim of issue 14 for the JavaScript a browser fetches before the first screen, gzip, in KB (1,000 bytes).
INITIAL_JS_AIM_KB = 400.0


def gzip_kb(path: Path) -> float:
    """The size of ``path`` compressed with gzip -9, in KB (1,000 bytes)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1000


def initial_scripts(index_html: str) -> list[str]:
    """The scripts the page fetches before it runs: the module entry and its modulepreloads (paths under dist)."""
    entries = re.findall(r'<script[^>]+type="module"[^>]+src="/([^"]+)"', index_html)
    preloads = re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/([^"]+)"', index_html)
    return entries + preloads


def initial_js_kb(dist: Path) -> float:
    """The gzip size in KB of the first load's JavaScript of the build in ``dist``. :raises FileNotFoundError: no
    ``dist/index.html`` (run ``make web-build``)."""
    scripts = initial_scripts((dist / "index.html").read_text(encoding="utf-8"))
    return sum(gzip_kb(dist / s) for s in scripts)
