"""A development signing tool: the web app's local signing-tool protocol (services/web/SIGNING_TOOL.md) served on
127.0.0.1 with a PEM private key, signing without a PIN — the stand-in for a USB token's middleware while
developing and testing two-step signing (``POST /api/v1/signing/prepare`` → the tool → ``…/complete``).

``GET /v1/status`` → ``{"name", "version", "ready": true}``; ``POST /v1/sign`` with ``to_sign`` (base64) →
``{"signature_value"}``: RSASSA-PKCS1-v1_5 with SHA-256 over ``to_sign``. Refusals as the protocol says (HTTP 400,
``{"code", "error"}``). CORS for one configured origin only, and Chromium's Private Network Access preflight
(``Access-Control-Allow-Private-Network: true``).

Run: ``python -m vanthu_testing.signing_tool --key key.pem --origin http://127.0.0.1:8000 [--port 18777]``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

NAME = "VanThu — công cụ ký số thử nghiệm"
VERSION = "1"
DEFAULT_PORT = 18777
#: The largest request accepted (what to sign is a few kilobytes of signed attributes).
MAX_BODY = 64 * 1024


def create_app(key: rsa.RSAPrivateKey, origin: str) -> Starlette:
    """The tool's ASGI app signing with ``key`` for pages of ``origin`` (scheme://host[:port]) only."""

    def headers(request: Request) -> dict[str, str]:
        if request.headers.get("origin") != origin:
            return {}
        out = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "GET, POST",
               "Access-Control-Allow-Headers": "Content-Type", "Vary": "Origin"}
        if request.headers.get("access-control-request-private-network") == "true":
            out["Access-Control-Allow-Private-Network"] = "true"
        return out

    def refuse(request: Request, code: str, error: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"code": code, "error": error}, status_code=status, headers=headers(request))

    async def preflight(request: Request) -> Response:
        if request.headers.get("origin") != origin:
            return Response(status_code=403)
        return Response(status_code=204, headers=headers(request))

    async def status(request: Request) -> Response:
        if request.method == "OPTIONS":
            return await preflight(request)
        return JSONResponse({"name": NAME, "version": VERSION, "ready": True}, headers=headers(request))

    async def sign(request: Request) -> Response:
        if request.method == "OPTIONS":
            return await preflight(request)
        if request.headers.get("origin") not in (None, origin):
            return refuse(request, "forbidden", "this tool signs for its configured origin only", 403)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return refuse(request, "too_large", f"at most {MAX_BODY} bytes", 413)
        try:
            body: Any = json.loads(raw)
            to_sign = base64.b64decode(body["to_sign"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error):
            return refuse(request, "bad_request", "to_sign (base64) is required")
        if body.get("signature_algorithm", "sha256_rsa") != "sha256_rsa" or not to_sign:
            return refuse(request, "unsupported", "only sha256_rsa over a non-empty to_sign")
        value = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        return JSONResponse({"signature_value": base64.b64encode(value).decode()}, headers=headers(request))

    return Starlette(routes=[Route("/v1/status", status, methods=["GET", "OPTIONS"]),
                             Route("/v1/sign", sign, methods=["POST", "OPTIONS"])])


def load_key(path: Path) -> rsa.RSAPrivateKey:
    """An unencrypted PEM RSA private key (ValueError for anything else)."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path}: not an RSA private key")
    return key


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--key", type=Path, required=True, help="PEM RSA private key (no passphrase)")
    parser.add_argument("--origin", required=True, help="the VanThu page's origin, e.g. http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(load_key(args.key), args.origin), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
