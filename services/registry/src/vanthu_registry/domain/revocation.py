"""Thu hồi, cập nhật (revoke, update) of exchanged documents: the rules of regulations digest §1.3.3, §1.4 and the
state machines of §7.2. No I/O here.

The sender's side (an outgoing document): its clerk asks every recipient that received it to give it back (status 13);
the document is then ``pending`` (frozen: it cannot be cancelled, and a second revocation is refused) until every
recipient answered 15 or 16, when it is ``settled`` (after a 16 the clerk may ask again).

The recipient's side (an arrival): the sender's status 13 or a package of business type 1 (thu hồi) or 2 (cập nhật)
makes the arrival ``requested``; the clerk accepts (15) or refuses with a reason (16). Accepting a revocation makes the
arrival ``revoked``: its content goes (the abstract replaced by :data:`REVOKED_NOTE`, the files released, the content
scrubbed from its history) and the trail stays (who asked, why, who accepted, when). An update (cập nhật) carries the
content of the sender's update package (:func:`update_columns`: trích yếu, loại, độ khẩn, người ký, số và ký hiệu, ngày
ban hành, hạn xử lý, hình thức gửi, tệp), kept on the arrival until the clerk answers (§7.2: "apply if accepted (emit
15) / keep (emit 16)"): accepting replaces the arrival's metadata and files by it (:func:`apply_update`: each changed
value kept in the history as [before, after]). Refusing (16) leaves the arrival as it was.

An arrival already in a deposited file (nộp lưu) is not changed: :meth:`DocumentLifecycle.accept_revocation`
asks the records service first and refuses with 16 and its reason. The records service keeps its own copy of a
deposited document and its own storage references, so a deposit that lands between that question and the
acceptance leaves the archive's copy whole (only the registry's is scrubbed). The open processing tasks an accepted
revocation cancels are the workflow service's (its ``workflow-revocations`` consumer).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_registry.domain.documents import Direction, Draft, Status


class Kind(StrEnum):
    REVOKE = "revoke"  # thu hồi (status 13, or business type 1)
    UPDATE = "update"  # cập nhật (business type 2)


class Revocation(StrEnum):
    NONE = ""
    REQUESTED = "requested"  # incoming: the sender asked
    ACCEPTED = "accepted"  # incoming: the clerk accepted (15)
    REFUSED = "refused"  # incoming: the clerk refused (16)
    PENDING = "pending"  # outgoing: asked of its recipients; frozen
    SETTLED = "settled"  # outgoing: every recipient answered


#: Arrivals a sender may still ask about (regulations digest §7.2: "any non-terminal").
OPEN_ARRIVALS = frozenset({Status.ARRIVED, Status.REGISTERED})
#: What a revoked arrival's abstract says instead of its content.
REVOKED_NOTE = "Văn bản đã bị thu hồi theo yêu cầu của cơ quan gửi; nội dung đã được xóa, chỉ giữ thông tin thu hồi"
#: What replaces the content in a revoked arrival's history.
SCRUBBED = "(đã xóa khi thu hồi)"
KIND_NAMES = {Kind.REVOKE: "thu hồi", Kind.UPDATE: "cập nhật"}
#: History keys whose values a revocation scrubs (the content, and an update's content).
SCRUBBED_KEYS = frozenset({"abstract", "files", "update"})
#: What a refused update's content becomes in the history of its refusal.
SCRUBBED_UPDATE = "(nội dung cập nhật bị từ chối)"


def kind_of(value: str) -> Kind:
    try:
        return Kind(value or Kind.REVOKE.value)
    except ValueError:
        raise InvalidArgument("kind", "phải là 'revoke' (thu hồi) hoặc 'update' (cập nhật).") from None


def record(direction: Direction, status: Status, current: Revocation, state: str) -> Revocation:
    """The revocation after interchange records ``state``; the current one when it is that already (idempotent);
    FailedPrecondition when it does not apply."""
    try:
        wanted = Revocation(state)
    except ValueError:
        raise InvalidArgument("state", "phải là 'requested' (văn bản đến), 'pending' hoặc 'settled' (văn "
                                       "bản đi).") from None
    if wanted is current:
        return current
    if direction is Direction.INCOMING:
        if wanted is not Revocation.REQUESTED:
            raise InvalidArgument("state", "yêu cầu thu hồi văn bản đến ở trạng thái 'requested'; văn thư chấp nhận "
                                           "hoặc từ chối.")
        if status not in OPEN_ARRIVALS:
            raise FailedPrecondition(f"văn bản đến đang ở trạng thái {status.value}: không thể yêu cầu thu hồi, cập "
                                     "nhật")
        return wanted
    if wanted is Revocation.PENDING:
        if status is not Status.ISSUED:
            raise FailedPrecondition(f"chỉ thu hồi được văn bản đã ban hành; văn bản này đang ở trạng thái "
                                     f"{status.value}")
        return wanted
    if wanted is Revocation.SETTLED:
        if current is not Revocation.PENDING:
            raise FailedPrecondition("văn bản không có yêu cầu thu hồi đang chờ trả lời")
        return wanted
    raise InvalidArgument("state", "thu hồi văn bản đi ở trạng thái 'pending' hoặc 'settled'.")


def answer(direction: Direction, current: Revocation) -> None:
    """The clerk may accept or refuse only an arrival whose sender asked (FailedPrecondition otherwise)."""
    if direction is not Direction.INCOMING or current is not Revocation.REQUESTED:
        raise FailedPrecondition("văn bản này không có yêu cầu thu hồi hoặc cập nhật nào đang chờ văn thư trả lời")


def check_not_frozen(direction: Direction, current: Revocation, doing: str) -> None:
    """An outgoing document whose revocation is pending, or an arrival whose sender's request is unanswered, is
    frozen: FailedPrecondition saying why and what to do."""
    if direction is Direction.OUTGOING and current is Revocation.PENDING:
        raise FailedPrecondition(f"không thể {doing}: văn bản đang chờ các nơi nhận trả lời yêu cầu thu hồi (đã gửi "
                                 "trạng thái 13); chờ các nơi nhận đồng ý (15) hoặc từ chối (16)")
    if direction is Direction.INCOMING and current is Revocation.REQUESTED:
        raise FailedPrecondition(f"không thể {doing}: cơ quan gửi đã yêu cầu thu hồi hoặc cập nhật văn bản này; văn "
                                 "thư đồng ý hoặc từ chối yêu cầu trước")


#: The columns of :data:`UPDATED_COLUMNS` holding dates (ISO text in an update's JSON).
DATE_COLUMNS = frozenset({"document_date", "due_date"})
#: How the history's notes name what an update changes.
UPDATE_NAMES = {"abstract": "trích yếu", "type_code": "loại văn bản", "urgency": "độ khẩn", "signer_name": "người ký",
                "signer_title": "chức vụ người ký", "signer_competence": "thẩm quyền ký",
                "issuing_agency_name": "tên cơ quan ban hành", "number_symbol": "số và ký hiệu",
                "document_date": "ngày ban hành", "due_date": "hạn xử lý", "exchange_form": "hình thức gửi",
                "files": "tệp văn bản"}
#: The arrival's columns an update replaces (the rest: its agency, direction, status, register and number, arrival
#: time and trail stay).
UPDATED_COLUMNS = ("abstract", "type_code", "urgency", "signer_name", "signer_title", "signer_competence",
                   "issuing_agency_name", "number_symbol", "document_date", "due_date", "exchange_form", "files")


def update_columns(draft: Draft, files: list[dict[str, str]]) -> dict[str, Any]:
    """What an update package carries, as the arrival's columns (JSON: dates ISO ``YYYY-MM-DD`` or None); ``files``
    as the ``files`` column stores them. The sender's name stays when the update does not give one."""
    return {"abstract": draft.abstract, "type_code": draft.type_code, "urgency": draft.urgency.value,
            "signer_name": draft.signer.name, "signer_title": draft.signer.title,
            "signer_competence": draft.signer.competence.value, "issuing_agency_name": draft.sender.agency_name,
            "number_symbol": draft.sender.number_symbol,
            "document_date": draft.sender.document_date.isoformat() if draft.sender.document_date else None,
            "due_date": draft.due_date.isoformat() if draft.due_date else None, "exchange_form": draft.exchange_form,
            "files": files}


def same_update(one: dict[str, Any] | None, other: dict[str, Any]) -> bool:
    """Whether two updates carry the same content (files compared by digest, role and name: a package taken in
    again stores its bytes again)."""
    if one is None:
        return False

    def key(update: dict[str, Any]) -> dict[str, Any]:
        return {**update, "files": [(f.get("sha256"), f.get("role"), f.get("file_name")) for f in update["files"]]}

    return key(one) == key(other)


def check_update(direction: Direction, kind: Kind, state: str, sender_code: str, issuing_agency_code: str,
                 update: dict[str, Any] | None) -> None:
    """An update's content comes with a requested update of an arrival, from the agency that sent it;
    InvalidArgument naming the field otherwise."""
    if update is None:
        if kind is Kind.UPDATE and state == Revocation.REQUESTED.value:
            raise InvalidArgument("update", "yêu cầu cập nhật phải kèm nội dung gói tin của cơ quan gửi.")
        return
    if kind is not Kind.UPDATE or state != Revocation.REQUESTED.value or direction is not Direction.INCOMING:
        raise InvalidArgument("update", "chỉ yêu cầu cập nhật (kind 'update', state 'requested') của văn bản đến mới "
                                        "kèm nội dung.")
    if sender_code != issuing_agency_code:
        raise InvalidArgument("update.sender.agency_code", "phải là cơ quan đã gửi văn bản đến "
                                                           f"({issuing_agency_code}).")


def apply_update(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The columns to set and the history's changes ``{column: [before, after]}`` (dates ISO), only those that
    differ; a sender name or files the update leaves empty stay (a package without attachments updates the
    metadata only)."""
    changes: dict[str, Any] = {}
    for column in UPDATED_COLUMNS:
        before, after = current.get(column), update.get(column)
        if column in ("issuing_agency_name", "files") and not after:
            continue
        if isinstance(before, date):
            before = before.isoformat()
        if before != after:
            changes[column] = [before, after]
    return changes
