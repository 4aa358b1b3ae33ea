"""ASGI middleware: request ids and the body-size limit (checked while reading, not only by header)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Take a sane ``X-Request-ID`` from the caller or make one; echo it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413 problem+json; paths in ``large_paths`` get ``large_max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int, large_max_bytes: int, large_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_max_bytes = large_max_bytes
        self.large_paths = large_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.large_max_bytes if scope["path"].startswith(self.large_paths) else self.max_bytes
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _TooLarge
            return message

        started = replaced = False

        async def tracking_send(message: Message) -> None:
            # A body that grew past the limit (no Content-Length: chunked) whose error the app caught and answered
            # itself (FastAPI answers 400 "error parsing the body") is answered 413 all the same, the app's own
            # answer dropped.
            nonlocal started, replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                started = True
                if too_large:
                    replaced = True
                    await self._refuse(scope, send, limit)
                    return
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, limit)
        except Exception:
            if too_large and not started:
                await self._refuse(scope, send, limit)
            else:
                raise

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        body: dict[str, Any] = {"type": "about:blank", "title": "Dữ liệu gửi lên quá lớn", "status": 413,
                                "detail": f"Dữ liệu gửi lên lớn hơn {limit} byte: hãy gửi tệp nhỏ hơn.",
                                "instance": scope["path"]}
        payload = json.dumps(body, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


class _TooLarge(Exception):
    pass
