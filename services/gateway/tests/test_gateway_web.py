"""The gateway serves the web application at ``/`` (issue 14, item 3): its files, ``index.html`` for client routes,
never in place of an API answer; a Content-Security-Policy that allows only this origin and the issuer; ``/docs``
with Swagger UI 5's files from the app's build, not from a public CDN."""

from __future__ import annotations

import re
import struct
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from vanthu_core.ports import free_port
from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

ISSUER = "http://127.0.0.1:8180/realms/vanthu"
#: The app's manifest as the build copies it (services/web/public → dist).
MANIFEST = Path(__file__).resolve().parents[3] / "services" / "web" / "public" / "manifest.webmanifest"
INDEX = ('<!doctype html><html lang="vi"><head><meta charset="UTF-8" /><title>VanThu</title></head><body>'
         '<div id="root"></div><script type="module" src="/assets/app-1a2b.js"></script></body></html>')
NONCE_META = re.compile(r'<meta name="csp-nonce" content="([A-Za-z0-9_-]+)">')


def page_nonce(reply: httpx.Response) -> str:
    """The nonce of an ``index.html`` answer, checked to be the same in its policy and its page, and the page
    otherwise the build's own."""
    found = NONCE_META.findall(reply.text)
    assert len(found) == 1, reply.text
    nonce = found[0]
    assert reply.text.replace(f'<meta name="csp-nonce" content="{nonce}">', "") == INDEX
    assert reply.text.index("<meta charset") < reply.text.index('name="csp-nonce"') < reply.text.index("</head>")
    styles = re.search(r"style-src ([^;]*);", reply.headers["content-security-policy"])
    assert styles is not None and styles.group(1) == f"'self' 'nonce-{nonce}'"
    return nonce


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log('vanthu')", encoding="utf-8")
    (tmp_path / "manifest.webmanifest").write_text(MANIFEST.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "assets" / "pdf.worker.min-3c4d.mjs").write_text("self.onmessage = () => {}", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("outside", encoding="utf-8")
    return tmp_path


@pytest.fixture
async def gateway(web_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(oidc_issuer=ISSUER, events_enabled=False)
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{free_port()}", web_dir=web_dir), common)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        yield http


@pytest.mark.parametrize("path", ["/", "/van-ban-den", "/van-ban/0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d",
                                  "/auth/callback?code=x&state=y"])
async def test_client_routes_get_the_app_with_its_policy(gateway: httpx.AsyncClient, path: str) -> None:
    reply = await gateway.get(path)
    assert reply.status_code == 200 and len(page_nonce(reply)) >= 22  # ≥ 128 bits of base64url
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.headers["cache-control"] == "no-store"
    csp = reply.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self' http://127.0.0.1:8180 http://127.0.0.1:18777;" in csp  # the issuer, the signing tool
    assert "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp and "https:" not in csp


async def test_each_page_has_its_own_nonce_in_its_policy_and_its_meta_and_is_never_stored(
        gateway: httpx.AsyncClient) -> None:
    """No 'unsafe-inline' styles (issue 14 item 5): Ant Design's <style> elements are allowed by a nonce made for
    each answer (never two pages with the same one, so a page read from a cache or another tab cannot lend its
    nonce), at a client route, at / and at /index.html itself; HEAD too. The app's other files allow no inline
    style at all."""
    replies = [await gateway.get(p) for p in ("/", "/", "/van-ban-den", "/index.html", "/index.html")]
    nonces = [page_nonce(r) for r in replies]
    assert len(set(nonces)) == len(nonces)
    assert all(r.headers["cache-control"] == "no-store" for r in replies)
    head = await gateway.head("/van-ban-den")
    assert head.status_code == 200 and head.headers["cache-control"] == "no-store"
    assert re.search(r"style-src 'self' 'nonce-[A-Za-z0-9_-]{22,}';", head.headers["content-security-policy"])
    for asset in ("/assets/app-1a2b.js", "/manifest.webmanifest"):
        reply = await gateway.get(asset)
        assert "style-src 'self';" in reply.headers["content-security-policy"] and "nonce-" not in reply.text


def test_a_page_without_a_head_gets_the_nonce_first() -> None:
    from vanthu_gateway.web import new_nonce, with_nonce

    nonce = new_nonce()
    assert with_nonce("<body></body>", nonce) == f'<meta name="csp-nonce" content="{nonce}"><body></body>'
    assert with_nonce("<HEAD></HEAD >", nonce) == f'<HEAD><meta name="csp-nonce" content="{nonce}"></HEAD >'


async def test_assets_are_served_and_cached_and_missing_ones_are_404(gateway: httpx.AsyncClient) -> None:
    asset = await gateway.get("/assets/app-1a2b.js")
    assert asset.status_code == 200 and asset.text == "console.log('vanthu')"
    assert "immutable" in asset.headers["cache-control"]
    assert (await gateway.get("/assets/gone-9z.js")).status_code == 404
    assert (await gateway.get("/favicon.ico")).status_code == 404
    assert (await gateway.get("/manifest.webmanifest")).status_code == 200
    assert (await gateway.get("/..%2fsecret.txt")).status_code == 404
    assert (await gateway.get("/assets/..%2f..%2fsecret.txt")).status_code == 404


async def test_the_manifest_and_the_pdf_worker_are_served_with_their_types_under_the_strict_policy(
        gateway: httpx.AsyncClient) -> None:
    """The app can be installed (a web app manifest: name, Vietnamese short name and description, our own icons,
    theme colour) and pdf.js's module worker starts: both need their exact media type (nosniff)."""
    manifest = await gateway.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in manifest.headers["content-security-policy"]
    body = manifest.json()
    assert (body["name"], body["short_name"], body["lang"], body["start_url"]) == ("VanThu", "Văn thư", "vi", "/")
    assert body["theme_color"] == "#0958d9" and body["description"].startswith("Quản lý văn bản")
    assert unicodedata.is_normalized("NFC", body["description"] + body["short_name"])
    icons = {i["src"]: i for i in body["icons"]}
    for src, size in (("/icons/icon-192.png", 192), ("/icons/icon-512.png", 512),
                      ("/icons/icon-maskable-512.png", 512)):
        assert icons[src]["sizes"] == f"{size}x{size}"
        png = (MANIFEST.parent / src.lstrip("/")).read_bytes()  # the files the build copies as they are
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (size, size)  # IHDR
    assert any(i.get("purpose") == "maskable" for i in body["icons"])
    worker = await gateway.get("/assets/pdf.worker.min-3c4d.mjs")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")


async def test_the_app_never_answers_for_the_api(gateway: httpx.AsyncClient) -> None:
    unknown = await gateway.get("/api/v1/no-such-route")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    wrong_method = await gateway.get("/api/v1/documents/x/submit")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert (await gateway.get("/api/v1/me")).status_code == 401
    assert (await gateway.post("/van-ban-den")).status_code in (404, 405)
    assert (await gateway.get("/openapi.json")).json()["info"]["title"] == "VanThu API"


async def test_the_web_config_names_the_issuer_the_web_client_and_the_signing_tool(
        gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/web-config.json")).json() == {
        "authority": ISSUER, "client_id": "vanthu-web", "signing_tool_url": "http://127.0.0.1:18777"}


async def test_no_signing_tool_configured_keeps_connect_src_to_the_app_and_the_issuer(web_dir: Path) -> None:
    common = CommonSettings(oidc_issuer=ISSUER, events_enabled=False)
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{free_port()}", web_dir=web_dir,
                                     web_signing_tool_url=""), common)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        csp = (await http.get("/")).headers["content-security-policy"]
        assert "connect-src 'self' http://127.0.0.1:8180;" in csp
        assert (await http.get("/web-config.json")).json()["signing_tool_url"] == ""


def test_a_signing_tool_url_with_a_path_or_another_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="signing_tool_url"):
        GatewaySettings(web_signing_tool_url="javascript:alert(1)")


async def test_docs_load_swagger_ui_5_from_the_app_build_under_a_nonce_policy(
        gateway: httpx.AsyncClient, web_dir: Path) -> None:
    (web_dir / "swagger").mkdir()
    (web_dir / "swagger" / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = () => ({})", encoding="utf-8")
    (web_dir / "swagger" / "swagger-ui.css").write_text(".swagger-ui{}", encoding="utf-8")
    pages = [await gateway.get("/docs") for _ in range(2)]
    nonces = []
    for page in pages:
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "https://" not in page.text and "cdn" not in page.text  # nothing from a public CDN
        assert '<script src="/swagger/swagger-ui-bundle.js">' in page.text
        assert '"url": "/openapi.json"' in page.text and '"validatorUrl": null' in page.text
        csp = page.headers["content-security-policy"]
        scripts = re.search(r"script-src ([^;]*);", csp)
        assert scripts is not None
        nonce = scripts.group(1).removeprefix("'self' 'nonce-").removesuffix("'")
        assert scripts.group(1) == f"'self' 'nonce-{nonce}'" and f"style-src 'self' 'nonce-{nonce}';" in csp
        assert "unsafe-inline" not in csp and "connect-src 'self';" in csp
        assert page.text.count(f'<script nonce="{nonce}">') == 1  # the one inline script: Swagger UI's start
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # each answer its own
    script = await gateway.get("/swagger/swagger-ui-bundle.js")  # a file of the build, as the app's
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.text.startswith("window.SwaggerUIBundle")
    assert (await gateway.get("/swagger/swagger-ui.css")).headers["content-type"].startswith("text/css")
    redoc = await gateway.get("/redoc")  # no ReDoc (CDN only): an ordinary client route
    assert page_nonce(redoc)


async def test_without_swagger_ui_in_the_build_docs_is_a_problem(gateway: httpx.AsyncClient) -> None:
    reply = await gateway.get("/docs")
    assert reply.status_code == 404 and reply.headers["content-type"] == "application/problem+json"


async def test_without_a_build_the_root_is_a_problem(tmp_path: Path) -> None:
    common = CommonSettings(oidc_issuer=ISSUER, events_enabled=False)
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{free_port()}", web_dir=tmp_path / "none"), common)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        reply = await http.get("/")
        assert reply.status_code == 404 and reply.headers["content-type"] == "application/problem+json"


#: The build ``make web-build`` writes (``make test`` builds it before the tests).
WEB_DIST = Path(__file__).resolve().parents[3] / "services" / "web" / "dist"


@pytest.mark.skipif(not (WEB_DIST / "index.html").exists(),
                    reason="services/web/dist is not built (make web-build; make test builds it)")
def test_the_first_load_stays_within_the_initial_javascript_budget() -> None:
    """Issue 14's aim: the JavaScript fetched before the first screen is at most 400 KB gzip. Every screen is a lazy
    route; a shell module importing a screen's module (once, for a menu count: 450 KB) pulls its tables, date
    pickers and trees into the first load, and fails here rather than only in ``make bench``."""
    from vanthu_testing.web import INITIAL_JS_AIM_KB, initial_js_kb

    assert initial_js_kb(WEB_DIST) <= INITIAL_JS_AIM_KB
