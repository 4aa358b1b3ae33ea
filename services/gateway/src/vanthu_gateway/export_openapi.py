"""``python -m vanthu_gateway.export_openapi [FILE]``: the gateway's OpenAPI document as JSON, from the application
itself (no server, no service needed), for the web client's generated types (``services/web/src/api/schema.d.ts``,
made by openapi-typescript; a test fails when they drift)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings


def document() -> dict[str, Any]:
    """The OpenAPI document the gateway serves at ``/openapi.json`` (settings do not change it)."""
    app = create_app(GatewaySettings(), CommonSettings(oidc_issuer="http://127.0.0.1:8180/realms/vanthu",
                                                       events_enabled=False))
    return app.openapi()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
