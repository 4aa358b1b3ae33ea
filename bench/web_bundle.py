"""The web application's first load: the JavaScript a browser must fetch before the first screen, gzip-compressed.

Project: the entry script and every module it preloads (``services/web/dist/index.html``: ``<script src>`` and
``<link rel=modulepreload>``), each compressed with gzip -9 as the gateway's GZip middleware would send it.
Baseline: the aim of issue 14, 400 KB. The screens and pdf.js (its worker included) load on demand: they are printed
apart, so a change that pulls one of them into the first load shows here. Needs ``make web-build`` (run first).
"""

from __future__ import annotations

import sys
from pathlib import Path

from vanthu_testing.web import INITIAL_JS_AIM_KB, gzip_kb, initial_scripts

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

DIST = Path(__file__).resolve().parents[1] / "services" / "web" / "dist"


def main() -> None:
    index = DIST / "index.html"
    if not index.exists():
        sys.exit("services/web/dist is missing: run `make web-build` first")
    scripts = initial_scripts(index.read_text(encoding="utf-8"))
    initial = sum(gzip_kb(DIST / s) for s in scripts)
    pdf = sum(gzip_kb(p) for p in (DIST / "assets").glob("pdf*.*js"))
    report("web", "initial JavaScript (gzip) vs the 400 KB aim", initial, INITIAL_JS_AIM_KB, "KB",
           higher_is_better=False, scripts=len(scripts), pdfjs_on_demand_kb=round(pdf, 1))


if __name__ == "__main__":
    main()
