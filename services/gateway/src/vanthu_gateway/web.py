"""The web application and the API documentation, served by the gateway with nothing from a public CDN (issue 14).

- ``/`` and every client route: the built app (``VANTHU_GATEWAY_WEB_DIR``, the output of ``vite build``). A path
  that no route answers and that is not under ``/api``, ``/docs`` or ``/openapi.json`` is the app's file of that
  name or else ``index.html`` (the app routes in the browser), so the app never shadows an API route, nor turns an
  API 404 or 405 into a page.
- ``/web-config.json``: what the app needs to sign in (the OIDC authority and client id).
- ``/docs``: Swagger UI 5 (npm ``swagger-ui-dist``, which reads FastAPI's OpenAPI 3.1), its files copied by the web
  build into ``swagger/`` of the app's files and served from there; ReDoc (CDN-only) is off. Without a build there
  is no ``/docs`` (a 404 problem, as ``/``).
- Content-Security-Policy on those pages: only this origin, plus the identity issuer's origin for the sign-in's
  discovery and token calls and the local signing tool's origin for two-step signing with a USB token
  (``connect-src``). No ``'unsafe-inline'`` for the app: each ``index.html`` answer carries a fresh nonce (CSP
  Level 3 ``'nonce-…'``, from :mod:`secrets`) in its ``style-src`` and in a ``<meta name="csp-nonce">`` the app
  hands to Ant Design's CSS-in-JS (its ``<style>`` elements), and is never stored (``Cache-Control: no-store``).
  ``/docs`` has the same kind of policy: its one inline script (Swagger UI's start) and any ``<style>`` carry the
  page's own fresh nonce; no ``'unsafe-inline'``.
"""

from __future__ import annotations

import functools
import html as html_escape
import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

#: Paths the app never answers for: the API and its documents stay the gateway's (a 404 stays a problem).
RESERVED = ("/api/", "/api", "/docs", "/openapi.json", "/healthz", "/readyz", "/web-config.json")
#: Where the web build puts Swagger UI's files (services/web/vite.config.ts, plugin ``swaggerUi``), under the app's.
SWAGGER_DIR = "swagger"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
#: Random bytes in each page's nonce (CSP Level 3 asks for at least 128 bits); base64url is in the nonce grammar.
NONCE_BYTES = 18


#: Types the image's mime tables may lack (a slim base image has no /etc/mime.types): served with nosniff, a wrong
#: type breaks them — pdf.js's module worker (.mjs) would not start, the manifest (.webmanifest) would not install.
MEDIA_TYPES = {".mjs": "text/javascript", ".webmanifest": "application/manifest+json", ".js": "text/javascript",
               ".svg": "image/svg+xml", ".png": "image/png", ".css": "text/css"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def app_csp(issuer: str, signing_tool: str = "", nonce: str = "") -> str:
    """The app's policy: its own scripts only; styles from itself and, with ``nonce`` (the page itself), the
    ``<style>`` elements carrying that nonce (Ant Design writes its CSS-in-JS into them at run time; no
    ``'unsafe-inline'``: a ``<style>`` or ``style=`` smuggled into the page's markup is refused); API calls to itself,
    the issuer (sign-in) and the local signing tool (its origin, when one is configured: the USB token's middleware
    on the signer's computer); no frames of it elsewhere. ``nonce``: base64url, made by :func:`new_nonce`; empty for
    the app's other files (scripts, images, the manifest: no inline style to allow)."""
    connect = " ".join(["'self'", _origin(issuer)] + ([_origin(signing_tool)] if signing_tool else []))
    style = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return (f"default-src 'self'; script-src 'self'; style-src {style}; img-src 'self' data: blob:; "
            f"font-src 'self'; connect-src {connect}; frame-src 'self' blob:; worker-src 'self' blob:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; manifest-src 'self'")


def new_nonce() -> str:
    """A fresh nonce for one page: :data:`NONCE_BYTES` random bytes (:func:`secrets.token_urlsafe`), 24 characters
    of base64url. Never reused: each ``index.html`` answer makes its own."""
    return secrets.token_urlsafe(NONCE_BYTES)


def with_nonce(page: str, nonce: str) -> str:
    """``page`` (the built ``index.html``) with ``<meta name="csp-nonce" content="…">`` last in its ``<head>`` (or
    first in the page when it has none), where the app reads the nonce it gives its ``<style>`` elements. The nonce
    appears nowhere else in the page: no element of the markup itself is allowed by it."""
    meta = f'<meta name="csp-nonce" content="{html_escape.escape(nonce, quote=True)}">'
    if (head := _HEAD_END.search(page)) is not None:
        return page[:head.start()] + meta + page[head.start():]
    return meta + page


def docs_csp(nonce: str) -> str:
    """``/docs``'s policy: Swagger UI's files from this origin, its one inline start script and any ``<style>`` by
    the page's ``nonce`` (no ``'unsafe-inline'``, no hash to keep in step with a page), the OpenAPI document and
    "Try it out" calls to this origin only, images from itself or ``data:`` (its icons)."""
    return (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


def docs_page(title: str, openapi_url: str, nonce: str) -> str:
    """Swagger UI's page: its files from ``/swagger/`` (the web build's copy of ``swagger-ui-dist``), started by one
    inline script carrying ``nonce`` on ``openapi_url``. ``validatorUrl: null``: Swagger UI would otherwise show a
    badge fetched from validator.swagger.io, which an isolated network cannot reach."""
    quoted = html_escape.escape(nonce, quote=True)
    options = json.dumps({"url": openapi_url, "dom_id": "#swagger-ui", "layout": "BaseLayout", "deepLinking": True,
                          "validatorUrl": None, "showExtensions": True, "showCommonExtensions": True})
    return ('<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html_escape.escape(title)}</title>"
            f'<link rel="stylesheet" href="/{SWAGGER_DIR}/swagger-ui.css"><link rel="icon" href="/favicon.svg">'
            f'<meta name="csp-nonce" content="{quoted}"></head>'
            f'<body><div id="swagger-ui"></div><script src="/{SWAGGER_DIR}/swagger-ui-bundle.js"></script>'
            f'<script nonce="{quoted}">window.ui = SwaggerUIBundle(Object.assign({options}, '
            "{presets: [SwaggerUIBundle.presets.apis]}));</script></body></html>")


def install(app: FastAPI, *, web_dir: Path | None, authority: str, client_id: str, signing_tool: str = "") -> None:
    """Add ``/docs`` (Swagger UI from the app's files), ``/web-config.json`` and the app's files with its fallback
    to ``app``.

    ``web_dir``: the built app (``index.html`` and ``assets/``); None or missing: no app is served (``/`` is a 404
    problem). ``authority``: the OIDC issuer URL the browser signs in with; ``client_id``: the web client;
    ``signing_tool``: the local signing tool's base URL (empty: none), told to the app in ``/web-config.json``."""
    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        root: Path | None = app.state.web_dir
        if root is None or not all((root / SWAGGER_DIR / name).is_file() for name in SWAGGER_FILES):
            raise StarletteHTTPException(404)  # no build (make web-build): no Swagger UI to serve
        nonce = new_nonce()
        return HTMLResponse(docs_page(f"{app.title} — tài liệu API", app.openapi_url or "/openapi.json", nonce),
                            headers={"Content-Security-Policy": docs_csp(nonce), "Cache-Control": "no-store",
                                     "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})

    @app.get("/web-config.json", include_in_schema=False)
    async def web_config() -> JSONResponse:
        return JSONResponse({"authority": authority, "client_id": client_id, "signing_tool_url": signing_tool},
                            headers={"Cache-Control": "no-cache"})

    root = web_dir.resolve() if web_dir is not None and (web_dir / "index.html").is_file() else None
    app.state.web_dir = root
    app.state.web_csp = functools.partial(app_csp, authority, signing_tool)


def app_response(request: Request) -> Response | None:
    """The app's answer to a GET or HEAD that no route took, or None (the caller answers 404): a file of the build,
    else ``index.html`` for a client route. Hashed assets are cached for a year; ``index.html`` (at any client route
    or by its own name) is made for this answer alone — its nonce in the policy and in the page — and never stored
    (``no-store``: a cached page would replay its nonce)."""
    root: Path | None = getattr(request.app.state, "web_dir", None)
    path = request.url.path
    if root is None or request.method not in ("GET", "HEAD") or path.startswith(RESERVED):
        return None
    headers: dict[str, Any] = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
    candidate = (root / path.lstrip("/")).resolve()
    if path != "/" and candidate.is_file() and candidate.is_relative_to(root) and candidate != root / "index.html":
        cache = "public, max-age=31536000, immutable" if path.startswith("/assets/") else "no-cache"
        return FileResponse(candidate, headers={**headers, "Content-Security-Policy": request.app.state.web_csp(),
                                                "Cache-Control": cache},
                            media_type=MEDIA_TYPES.get(candidate.suffix))
    if path.startswith("/assets/") or ("." in path.rsplit("/", 1)[-1] and candidate != root / "index.html"):
        return None  # a missing file is a 404, not the app
    nonce = new_nonce()  # read each time: a rebuild while the gateway runs (make dev) serves its new page
    page = with_nonce((root / "index.html").read_text(encoding="utf-8"), nonce)
    return HTMLResponse(page, headers={**headers, "Content-Security-Policy": request.app.state.web_csp(nonce),
                                       "Cache-Control": "no-store"})
