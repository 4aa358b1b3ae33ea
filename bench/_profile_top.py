"""The top costs in py-spy's collapsed stacks (``bench/interchange.py --watch DIR``): per process, the share of
samples in which each function is on the stack (inclusive) and at its top (self), the idle event loop left out.

    uv run --no-sync python bench/_profile_top.py DIR [--top 25]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

#: Frames where a thread waits rather than works (the event loop's select, a pool's idle workers, py-spy's idle).
IDLE = re.compile(r"select \(selectors|_worker \(concurrent|wait \(threading|_run_once|epoll|poll \(|"
                  r"run_forever|_bootstrap_inner")


def top(path: Path, count: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if IDLE.search(frames[-1]):
            continue
        n = int(samples)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [f"== {path.stem}: {total} busy samples"]
    lines += [f"  {100 * n / total:5.1f}% incl  {f}" for f, n in inclusive.most_common(count)]
    lines += [f"  {100 * n / total:5.1f}% self  {f}" for f, n in own.most_common(count)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for path in sorted(args.folder.glob("*.txt")):
        print(top(path, args.top))


if __name__ == "__main__":
    main()
