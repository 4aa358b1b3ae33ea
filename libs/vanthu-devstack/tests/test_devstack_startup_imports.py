"""What a service imports when it starts, the launcher starts every service at each platform start (each e2e module,
``make dev``): libraries only an export or one command needs (openpyxl: about a second of CPU; reportlab, PDFium)
are imported where that export runs, not by the modules that start the service."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

#: Imported by an export or a command, never at start.
ON_DEMAND = ("openpyxl", "reportlab", "pypdfium2")
#: The modules ``python -m vanthu_<svc>`` imports to serve. Records is not listed yet: its forms come from
#: ``vanthu_archive.forms``, which imports openpyxl and reportlab at its top.
STARTING = (
    "vanthu_registry.__main__",
    "vanthu_registry.server",
    "vanthu_interchange.__main__",
    "vanthu_interchange.server",
    "vanthu_workflow.__main__",
    "vanthu_workflow.server",
    "vanthu_gateway.__main__",
    "vanthu_gateway.app",
    "vanthu_records.pages",
)

PROBE = """
import importlib, sys, traceback
on_demand, starting = sys.argv[1].split(","), sys.argv[2].split(",")
seen = {}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in on_demand and name not in seen:
            seen[name] = "".join(traceback.format_stack(limit=12))
        return None

sys.meta_path.insert(0, Watch())
for module in starting:
    importlib.import_module(module)
for name, stack in seen.items():
    print(f"{name} imported at start by:\\n{stack}")
"""


def test_services_import_export_only_libraries_only_when_they_export() -> None:
    # a fresh interpreter: this test process has imported anything already
    run = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(ON_DEMAND), ",".join(STARTING)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "", run.stdout
