"""``/api/v1/notifications``: each person's own notifications (thông báo: a new task, a returned draft, an extension
decided, a deadline tomorrow, an overdue task) — the list (unread first), marking them read, a server-sent event
stream so a page updates without polling, and the choice of e-mail. The workflow service keeps them and checks that
a person only ever sees and marks their own (issue 13 item 6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.errors import Unavailable
from vanthu_core.policy import WORKFLOW
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.schema import RequestBody, ResponseBody

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
User = Annotated[Principal, Depends(authenticated)]
NotificationId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
#: What the stream sends between notifications (an SSE comment: EventSource ignores it, proxies see traffic).
KEEPALIVE = b": keep-alive\n\n"


class NotificationOut(ResponseBody):
    id: str
    kind: str = Field(description="new_task (nhiệm vụ mới), draft_returned (dự thảo bị trả lại), extension_decided "
                                  "(gia hạn đã được quyết định), due_tomorrow (sắp đến hạn: the deadline is the next "
                                  "working day), overdue (quá hạn)")
    title: str = Field(description="Vietnamese, for the person")
    body: str
    case_id: str
    task_id: str
    document_id: str = Field(description="the document concerned (its page: /van-ban/{document_id})")
    created_at: str = Field(description="ISO 8601, +07:00")
    read: bool
    link: str = Field("", description="the web app's path it leads to when it concerns neither a document nor a "
                                      "case (a file plan: /ho-so?nam=2027)")


class NotificationsOut(ResponseBody):
    notifications: list[NotificationOut]
    next_page_token: str
    unread: int = Field(description="how many of your notifications are unread")


class MarkReadIn(RequestBody):
    ids: list[NotificationId] = Field(default_factory=list, max_length=500,
                                      description="your notifications to mark read (others' are ignored)")
    all: bool = Field(False, description="mark every one of your notifications read")


class MarkReadOut(ResponseBody):
    marked: int
    unread: int


class SettingsIn(RequestBody):
    email: bool = Field(description="also by e-mail, to the address the identity provider knows")


class SettingsOut(ResponseBody):
    email: bool


def _workflow(request: Request) -> Any:
    stub = request.app.state.clients.workflow
    if stub is None:
        raise Unavailable("Dịch vụ xử lý công việc chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def notification_out(n: pb.Notification) -> NotificationOut:
    return NotificationOut(id=n.id, kind=n.kind, title=n.title, body=n.body, case_id=n.case_id, task_id=n.task_id,
                           document_id=n.document_id, created_at=n.created_at, read=n.read, link=n.link)


@router.get("", response_model=NotificationsOut, summary="Your notifications, unread first, with the unread count")
@calls(WORKFLOW + "ListNotifications")
async def list_notifications(request: Request, principal: User, unread_only: bool = False,
                             page_size: Annotated[int, Query(ge=0, le=200)] = 0,
                             page_token: Annotated[str, Query(max_length=500)] = "") -> NotificationsOut:
    reply = await _workflow(request).ListNotifications(pb.ListNotificationsRequest(
        unread_only=unread_only, page_size=page_size, page_token=page_token), metadata=forward(principal))
    return NotificationsOut(notifications=[notification_out(n) for n in reply.notifications],
                            next_page_token=reply.next_page_token, unread=reply.unread)


@router.post("/read", response_model=MarkReadOut, summary="Mark your notifications read (some, or all)")
@calls(WORKFLOW + "MarkNotificationsRead")
async def mark_read(request: Request, principal: User, body: MarkReadIn) -> MarkReadOut:
    reply = await _workflow(request).MarkNotificationsRead(pb.MarkNotificationsReadRequest(
        ids=body.ids, all=body.all), metadata=forward(principal))
    return MarkReadOut(marked=reply.marked, unread=reply.unread)


@router.get("/stream", response_class=StreamingResponse,
            responses={200: {"description": "text/event-stream: an `event: notification` (data: the notification as "
                                             "JSON, id: its id) for each new notification of yours, and a "
                                             "`: keep-alive` comment between them",
                             "content": {"text/event-stream": {"schema": {"type": "string"}}}}},
            summary="Your new notifications as server-sent events (EventSource), while you listen")
@calls(WORKFLOW + "WatchNotifications")
async def stream(request: Request, principal: User) -> StreamingResponse:
    """Relays the workflow's WatchNotifications. The first message (a keep-alive) is awaited before answering, so a
    refusal or the service being away answers as a problem; the stream ends when the client leaves (the call is
    cancelled) or the service goes (the browser's EventSource reconnects and lists what it missed)."""
    call = _workflow(request).WatchNotifications(pb.WatchNotificationsRequest(), metadata=forward(principal))
    try:
        await call.read()
    except BaseException:
        call.cancel()
        raise

    async def events() -> AsyncIterator[bytes]:
        try:
            yield KEEPALIVE
            while True:
                message = await call.read()
                if message is grpc.aio.EOF:
                    return
                if message.HasField("notification"):
                    note = notification_out(message.notification)
                    yield f"id: {note.id}\nevent: notification\ndata: {note.model_dump_json()}\n\n".encode()
                else:
                    yield KEEPALIVE
        except grpc.aio.AioRpcError:
            return  # the service went away: the stream ends, the client reconnects
        finally:
            call.cancel()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/settings", response_model=SettingsOut, summary="Whether you receive your notifications by e-mail too")
@calls(WORKFLOW + "GetNotificationSettings")
async def get_settings(request: Request, principal: User) -> SettingsOut:
    reply = await _workflow(request).GetNotificationSettings(pb.GetNotificationSettingsRequest(),
                                                             metadata=forward(principal))
    return SettingsOut(email=reply.settings.email)


@router.put("/settings", response_model=SettingsOut, summary="Turn your e-mail notifications on or off")
@calls(WORKFLOW + "SetNotificationSettings")
async def put_settings(request: Request, principal: User, body: SettingsIn) -> SettingsOut:
    reply = await _workflow(request).SetNotificationSettings(pb.SetNotificationSettingsRequest(
        settings=pb.NotificationSettings(email=body.email)), metadata=forward(principal))
    return SettingsOut(email=reply.settings.email)
