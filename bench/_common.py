"""Shared reporting for benchmarks: one line per measure and ``bench/results.json``.

Every benchmark measures the project's path and a baseline in the same run (the machines are
shared and noisy, so only ratios within one run mean anything).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def report(topic: str, name: str, project: float, baseline: float, unit: str, higher_is_better: bool = True,
           **extra: float | str) -> dict[str, object]:
    """Print and record one measure; ``ratio`` is project/baseline."""
    ratio = project / baseline if baseline else float("nan")
    row: dict[str, object] = {
        "topic": topic, "name": name, "project": round(project, 4), "baseline": round(baseline, 4),
        "ratio": round(ratio, 4), "unit": unit, "higher_is_better": higher_is_better,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **extra,
    }
    print(f"{topic:<10} {name:<44} project={project:>12.3f} baseline={baseline:>12.3f} "
          f"ratio={ratio:>7.3f} {unit}" + "".join(f" {k}={v}" for k, v in extra.items()), flush=True)
    existing: list[dict[str, object]] = []
    if RESULTS.exists():
        try:
            existing = json.loads(RESULTS.read_text())
        except ValueError:
            existing = []
    existing = [r for r in existing if not (r.get("topic") == topic and r.get("name") == name)]
    existing.append(row)
    RESULTS.write_text(json.dumps(existing, ensure_ascii=False, indent=2))
    return row
