"""The dev issuer's HTML pages, in Vietnamese: the login form (Keycloak's field names and ids, so the same browser
tests drive Keycloak's form), the signed-out page and the error page. No script; a CSP that allows none."""

from __future__ import annotations

from html import escape

from vanthu_identity.authorize import AuthorizationRequest

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;background:#f0f2f5;margin:0;
color:#1f1f1f}
main{max-width:380px;margin:8vh auto;background:#fff;padding:32px 24px;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 4px}p.sub{color:#595959;margin:0 0 24px}
label{display:block;font-weight:600;margin:16px 0 6px}
input[type=text],input[type=password]{box-sizing:border-box;width:100%;padding:10px;font-size:1rem;
border:1px solid #8c8c8c;border-radius:6px}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #0958d9;outline-offset:2px}
button,a.button{display:block;box-sizing:border-box;width:100%;margin-top:24px;padding:11px;font-size:1rem;
background:#0958d9;color:#fff;border:0;border-radius:6px;cursor:pointer;text-align:center;text-decoration:none}
.error{background:#fff1f0;border:1px solid #ffa39e;color:#a8071a;padding:10px;border-radius:6px;margin-bottom:8px}
footer{color:#595959;font-size:.85rem;margin-top:24px}
"""

#: Inline style only; no script, images or fonts; the form posts to the issuer itself (its redirect goes to the web
#: client, which ``form-action`` must allow too).
def content_security_policy(form_targets: list[str]) -> str:
    targets = " ".join(["'self'", *form_targets])
    return (f"default-src 'none'; style-src 'unsafe-inline'; form-action {targets}; frame-ancestors 'none'; "
            "base-uri 'none'")


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>")


def login_page(action: str, request: AuthorizationRequest, *, username: str = "", error: str = "") -> str:
    """The login form. Field names ``username`` and ``password``, ids ``username``, ``password``, ``kc-login`` and
    form id ``kc-form-login``, as Keycloak's theme has them."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in (("client_id", request.client_id), ("redirect_uri", request.redirect_uri),
                            ("state", request.state), ("nonce", request.nonce),
                            ("code_challenge", request.code_challenge), ("code_challenge_method", "S256"),
                            ("scope", request.scope), ("response_type", "code")))
    alert = f'<div class="error" role="alert" id="input-error">{escape(error)}</div>' if error else ""
    body = (
        "<h1>Đăng nhập VanThu</h1><p class=\"sub\">Hệ thống quản lý văn bản và điều hành</p>"
        f'{alert}<form id="kc-form-login" method="post" action="{escape(action)}">{hidden}'
        '<label for="username">Tên đăng nhập</label>'
        f'<input type="text" id="username" name="username" value="{escape(username)}" autocomplete="username" '
        'autocapitalize="none" spellcheck="false" required autofocus maxlength="255">'
        '<label for="password">Mật khẩu</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required '
        'maxlength="255">'
        '<button type="submit" id="kc-login" name="login">Đăng nhập</button></form>'
        "<footer>Máy chủ xác thực dùng cho phát triển — không dùng trong vận hành thật.</footer>")
    return _page("Đăng nhập — VanThu", body)


def signed_out_page(back_url: str = "") -> str:
    link = f'<a class="button" href="{escape(back_url)}">Đăng nhập lại</a>' if back_url else ""
    return _page("Đã đăng xuất — VanThu",
                 f"<h1>Bạn đã đăng xuất</h1><p class=\"sub\">Phiên làm việc đã kết thúc.</p>{link}")


def error_page(message: str) -> str:
    return _page("Không thể đăng nhập — VanThu",
                 f'<h1>Không thể đăng nhập</h1><div class="error" role="alert">{escape(message)}</div>')
