"""Thu hồi, cập nhật (revoke, update) of exchanged documents: the rules of regulations digest §1.3.3, §1.4 and the
state machines of §7.2. No I/O here.

The sender's side (an outgoing document): its clerk asks every recipient that received it to give it back (status 13);
the document is then ``pending`` (frozen: it cannot be cancelled, and a second revocation is refused) until every
recipient answered 15 or 16, when it is ``settled`` (after a 16 the clerk may ask again).

The recipient's side (an arrival): the sender's status 13 or a package of business type 1 (thu hồi) or 2 (cập nhật)
makes the arrival ``requested``; the clerk accepts (15) or refuses with a reason (16). Accepting a revocation makes the
arrival ``revoked``: its content goes (the abstract replaced by :data:`REVOKED_NOTE`, the files released, the content
scrubbed from its history) and the trail stays (who asked, why, who accepted, when). Accepting an update records it
(the updated package is kept by interchange for the clerk). Refusing leaves the arrival as it was.

Not here yet: a document already in a deposited file (nộp lưu) cannot exist, the records service is not built (when it
is, such an arrival is refused automatically with 16 and that reason); the open processing tasks an accepted
revocation cancels belong to the workflow service, not built either.
"""

from __future__ import annotations

from enum import StrEnum

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_registry.domain.documents import Direction, Status


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


def kind_of(value: str) -> Kind:
    try:
        return Kind(value or Kind.REVOKE.value)
    except ValueError:
        raise InvalidArgument("kind", "must be 'revoke' (thu hồi) or 'update' (cập nhật)") from None


def record(direction: Direction, status: Status, current: Revocation, state: str) -> Revocation:
    """The revocation after interchange records ``state``; the current one when it is that already (idempotent);
    FailedPrecondition when it does not apply."""
    try:
        wanted = Revocation(state)
    except ValueError:
        raise InvalidArgument("state", "must be 'requested' (an arrival), 'pending' or 'settled' (an outgoing "
                                       "document)") from None
    if wanted is current:
        return current
    if direction is Direction.INCOMING:
        if wanted is not Revocation.REQUESTED:
            raise InvalidArgument("state", "an arrival's revocation is 'requested'; the clerk accepts or refuses it")
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
    raise InvalidArgument("state", "an outgoing document's revocation is 'pending' or 'settled'")


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
