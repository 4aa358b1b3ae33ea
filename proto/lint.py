"""Style checks for VanThu's protos (``make proto-lint``).

- the package is ``vanthu.<service>.v1`` and matches the file's directory;
- every RPC ``Foo`` takes ``FooRequest`` and returns ``FooResponse`` (streams allowed);
- services are named ``<Something>Service``; every file declares proto3 syntax.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).parent
RPC = re.compile(r"rpc\s+(\w+)\s*\(\s*(?:stream\s+)?([\w.]+)\s*\)\s*returns\s*\(\s*(?:stream\s+)?([\w.]+)\s*\)")


def lint(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []
    rel = path.relative_to(ROOT)
    if 'syntax = "proto3";' not in text:
        problems.append(f"{rel}: must declare syntax = \"proto3\"")
    match = re.search(r"^package\s+([\w.]+);", text, re.M)
    expected = ".".join(rel.parent.parts)
    if not match:
        problems.append(f"{rel}: no package")
    elif match.group(1) != expected or not re.fullmatch(r"vanthu\.\w+\.v\d+", match.group(1)):
        problems.append(f"{rel}: package {match.group(1)} should be {expected} (vanthu.<service>.v<N>)")
    for service in re.findall(r"^service\s+(\w+)", text, re.M):
        if not service.endswith("Service"):
            problems.append(f"{rel}: service {service} should end with 'Service'")
    for name, request, response in RPC.findall(text):
        if request != f"{name}Request":
            problems.append(f"{rel}: rpc {name} takes {request}; expected {name}Request")
        if response != f"{name}Response":
            problems.append(f"{rel}: rpc {name} returns {response}; expected {name}Response")
    return problems


def main() -> int:
    files = sorted(ROOT.rglob("*.proto"))
    problems = [p for f in files for p in lint(f)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"proto lint: {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
