"""The web client's API types are generated from the gateway's OpenAPI document (issue 14, item 1): this fails when
``services/web/src/api/schema.d.ts`` no longer matches what the gateway serves (run ``make web-api``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from vanthu_gateway.export_openapi import document

pytestmark = pytest.mark.unit

WEB = Path(__file__).resolve().parents[2] / "web"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


@pytest.mark.skipif(not GENERATOR.exists(), reason="services/web/node_modules missing (make web-deps runs npm ci)")
def test_the_web_clients_generated_types_match_the_gateways_openapi_document(tmp_path: Path) -> None:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    generated = tmp_path / "schema.d.ts"
    subprocess.run([str(GENERATOR), str(source), "-o", str(generated)], check=True, cwd=WEB, capture_output=True,
                   timeout=120)
    committed = (WEB / "src" / "api" / "schema.d.ts").read_text(encoding="utf-8")
    assert generated.read_text(encoding="utf-8") == committed, (
        "services/web/src/api/schema.d.ts is stale: the gateway's API changed; run `make web-api` and commit it")
