"""``python -m vanthu_devstack up``: the whole platform on this machine; Ctrl-C stops everything.

So do SIGTERM (a service manager, ``timeout``) and SIGHUP (the terminal closed): the first of them stops the
platform in order, within the shutdown grace; any later one is noted and does not interrupt the stop.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from vanthu_devstack.stack import DEFAULT_PORTS, STOP_SIGNALS, WEB_DIST, Stack, StackConfig, StackError


class Stopping(KeyboardInterrupt):
    """A stop signal arrived (raised once, by :func:`_stop_on_signals`'s handler)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop_on_signals() -> None:
    """The first stop signal raises :class:`Stopping` in the main thread; the ones after it are only noted, so
    they cannot interrupt the stop that follows (``timeout`` sends SIGTERM to the launcher and again to its
    process group; ``make`` and ``uv run`` forward it too)."""
    def ignore_later(signum: int, _frame: object) -> None:
        pass  # already stopping

    def first(signum: int, _frame: object) -> None:
        for other in STOP_SIGNALS:
            signal.signal(other, ignore_later)
        raise Stopping(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, first)

DEMO = """
Demo users (password: vanthu-dev), three agencies, one user per role:
  roles: vanthu (clerk), lanhdao (leader), truongphong (head), chuyenvien (officer), luutru (archivist), quantri (admin)
  UBND tỉnh Vĩnh Long (000.00.00.H61):   vanthu.ubnd, lanhdao.ubnd, … quantri.ubnd
  Sở Nội vụ (000.00.02.H61):             vanthu.snv, lanhdao.snv, … quantri.snv
  UBND phường Long Châu (000.00.41.H61): vanthu.longchau, lanhdao.longchau, … quantri.longchau
Try:
  TOKEN=$(curl -s -d grant_type=password -d client_id=vanthu-web -d username=vanthu.ubnd -d password=vanthu-dev \\
      {issuer}/protocol/openid-connect/token \\
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -H "Authorization: Bearer $TOKEN" {gateway}/api/v1/agencies
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanthu-dev", description="Run the whole VanThu platform on this machine "
                                     "(embedded default: nats-server, SQLite, local files, dev identity issuer).")
    parser.add_argument("command", nargs="?", default="up", choices=["up"], help="up: start and wait for Ctrl-C")
    parser.add_argument("--var", type=Path, default=Path(os.environ.get("VANTHU_DEV_VAR", "var")),
                        help="data directory (default: var/; reused by the next start)")
    for name, port in DEFAULT_PORTS.items():
        parser.add_argument(f"--{name}-port", type=int, default=int(os.environ.get(f"VANTHU_DEV_{name.upper()}_PORT",
                                                                                    port)), help=f"default {port}")
    parser.add_argument("--free-ports", action="store_true",
                        help="choose free ports (the --*-port options are ignored), new ones if one is taken meanwhile")
    parser.add_argument("--services", default=os.environ.get("VANTHU_DEV_SERVICES", ""), metavar="NAME,…",
                        help="start only these gRPC services (default: all; e.g. registry,storage,signing)")
    args = parser.parse_args(argv)
    ports = {name: getattr(args, f"{name}_port") for name in DEFAULT_PORTS}
    config = StackConfig.with_free_ports(args.var) if args.free_ports else StackConfig(var_dir=args.var, ports=ports)
    config.log = print
    if args.services:
        config.services = tuple(name.strip() for name in args.services.split(",") if name.strip())
    try:
        stack = Stack(config)
    except StackError as error:
        parser.error(str(error))
    print(f"VanThu: starting the platform (data in {stack.var})")
    _stop_on_signals()
    started = False
    try:
        stack.start()  # stops whatever it had started when it fails or is interrupted
        started = True
        _announce(stack)
        return _watch(stack)
    except StackError as error:
        print(f"VanThu could not start:\n{error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:
        # a stop signal may land anywhere from here on, the announcement's prints included (CI saw one there)
        if not started:
            print("interrupted while starting; stopped")
            return 130
        print(f"\nstopping ({interrupt.args[0] if isinstance(interrupt, Stopping) else 'SIGINT'})…", flush=True)
        return 0
    finally:
        stack.stop()  # idempotent: nothing to do when start() had already stopped what it started
        if started:
            print("stopped.")


def _announce(stack: Stack) -> None:
    """Print where the platform answers, the demo users and how to stop it."""
    web = (f"Open {stack.gateway_url}/ in a browser and sign in as a demo user below" if WEB_DIST.is_dir()
           else "the web app is not built (make dev builds it: npm ci, then vite build in services/web)")
    print(f"""
VanThu is up.
  Web application:  {web}
  Gateway (REST):   {stack.gateway_url}   API docs: {stack.gateway_url}/docs
  Identity issuer:  {stack.issuer}
  NATS:             {stack.nats_url}   users' passwords: {stack.var / 'nats' / 'users'}
  gRPC services:    {', '.join(f'{n} {stack.grpc_target(n)}' for n, _ in stack.services)}
  Logs:             {stack.var / 'logs'}""")
    print(DEMO.format(issuer=stack.issuer, gateway=stack.gateway_url))
    print("Ctrl-C stops everything.", flush=True)


def _watch(stack: Stack) -> int:
    """Wait until a stop signal (raised as KeyboardInterrupt) or a child's death; :returns: 1 when a child died."""
    while True:
        dead = stack.dead()
        if dead:
            for process in dead:
                print(f"{process.name} exited (code {process.popen.returncode}); last log lines:\n{process.tail()}",
                      file=sys.stderr)
            return 1
        time.sleep(0.5)

if __name__ == "__main__":
    sys.exit(main())
