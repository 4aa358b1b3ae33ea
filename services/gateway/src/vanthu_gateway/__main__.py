"""``python -m vanthu_gateway``: serve the REST API (uvicorn); SIGTERM drains in-flight requests."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from vanthu_core.logging import setup_logging
from vanthu_core.settings import CommonSettings
from vanthu_core.telemetry import setup_telemetry
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="vanthu-gateway", description="VanThu REST gateway (settings: VANTHU_GATEWAY_*)."
                            ).parse_args(argv)
    settings, common = GatewaySettings(), CommonSettings()
    setup_logging("gateway", common.log_level, common.log_json)
    setup_telemetry("gateway")
    uvicorn.run(create_app(settings, common), host=settings.http_host, port=settings.http_port,
                log_level="warning", timeout_graceful_shutdown=int(settings.shutdown_grace_s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
