"""Ủy quyền: a leader's own tasks, or a unit's tasks by its head, given to a deputy for a period (issue 13 item 7).

Decree 30/2020 Art. 13 (regulations digest §3.4): a deputy signs for the head (**KT.**, ký thay); a person delegated
in writing, for a limited time, signs **TUQ.** (thừa ủy quyền), and what is so delegated cannot be delegated again.
Pure rules, no I/O: the period, who may delegate what, and which tasks a delegation in force covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vanthu_core.errors import InvalidArgument, PermissionDenied

#: The competences a delegation gives a signature (regulations digest §3.4).
COMPETENCES = ("KT.", "TUQ.")
#: A delegation lasts at most this many days (a written authorisation is time-limited).
MAX_DAYS = 366


@dataclass(frozen=True)
class ActingFor:
    """A delegation in force for the person acting: whose tasks (``delegator``: a person's own tasks when ``unit``
    is empty; the unit's tasks otherwise), under which delegation and competence."""

    delegation_id: str
    delegator: str
    delegator_username: str
    unit: str = ""
    competence: str = "TUQ."
    delegator_name: str = ""
    #: The deputy's own position (chức vụ), shown under the competence line when they sign under it.
    deputy_position: str = ""

    @property
    def role(self) -> str:
        """The role the deputy acts in (the access table's :attr:`~vanthu_core.policy.Access.delegable`): a leader's
        own tasks are a leader's (lãnh đạo), a unit's are its head's (trưởng đơn vị), as
        :func:`check_delegator` lets each be delegated."""
        return "head" if self.unit else "leader"


def deputy_roles(acting: tuple[ActingFor, ...]) -> frozenset[str]:
    """The roles held under the delegations in force ``acting`` (for :func:`vanthu_core.policy.require`)."""
    return frozenset(a.role for a in acting)


def check_period(valid_from: date | None, valid_to: date | None, today: date) -> tuple[date, date]:
    """The period (Vietnam dates, both included): from ≤ to, not ended before today, at most :data:`MAX_DAYS`."""
    if valid_from is None:
        raise InvalidArgument("valid_from", "chưa nhập (YYYY-MM-DD).")
    if valid_to is None:
        raise InvalidArgument("valid_to", "chưa nhập (YYYY-MM-DD).")
    if valid_to < valid_from:
        raise InvalidArgument("valid_to", "phải bằng hoặc sau ngày bắt đầu.")
    if valid_to < today:
        raise InvalidArgument("valid_to", f"thời hạn đã qua (hôm nay là {today.isoformat()}).")
    if (valid_to - valid_from).days >= MAX_DAYS:
        raise InvalidArgument("valid_to", f"ủy quyền kéo dài tối đa {MAX_DAYS} ngày.")
    return valid_from, valid_to


def check_competence(value: str, *, unit: str, deputy_roles: frozenset[str]) -> str:
    """The competence a delegation gives (empty: TUQ.), checked against who gives it and to whom.

    Decree 30/2020 Art. 13 (regulations digest §3.4; the authority line of Appendix I, box 7a): **KT.** (ký thay) is a
    deputy (cấp phó) signing for the head of the agency, so it is given only with a leader's own tasks (``unit``
    empty) to another of the agency's leaders (``deputy_roles`` holds ``leader``: the agency's deputies hold that
    role). Anyone else — a head of a unit, an officer — signs for a leader **TUQ.** (thừa ủy quyền: delegated in
    writing, for a limited time), and a unit's tasks are delegated TUQ. too: a unit's head is not the head of the
    agency, so no one signs "KT." for them. InvalidArgument naming the field otherwise."""
    value = value.strip() or "TUQ."
    if value not in COMPETENCES:
        raise InvalidArgument("competence", "phải là 'KT.' (ký thay) hoặc 'TUQ.' (thừa ủy quyền).")
    if value == "KT." and unit:
        raise InvalidArgument("competence", "'KT.' (ký thay) chỉ dành cho cấp phó ký thay người đứng đầu cơ quan "
                                            "(Nghị định 30/2020/NĐ-CP, Điều 13); việc của đơn vị ủy quyền theo "
                                            "'TUQ.' (thừa ủy quyền).")
    if value == "KT." and "leader" not in deputy_roles:
        raise InvalidArgument("competence", "'KT.' (ký thay) chỉ dành cho cấp phó (lãnh đạo cơ quan) ký thay người "
                                            "đứng đầu (Nghị định 30/2020/NĐ-CP, Điều 13); người được ủy quyền không "
                                            "phải lãnh đạo cơ quan: hãy chọn 'TUQ.' (thừa ủy quyền).")
    return value


def check_signs_under(acting: ActingFor | None, roles: frozenset[str]) -> None:
    """A signature under ``acting`` by a person holding ``roles``: a KT. delegation (Decree 30/2020 Art. 13, see
    :func:`check_competence`) signs only for a leader of the agency, whatever was recorded before that rule was
    checked (a delegation given earlier to a head or an officer): PermissionDenied, nothing signed."""
    if acting is not None and acting.competence == "KT." and "leader" not in roles:
        raise PermissionDenied(f"Ủy quyền của {acting.delegator_name or 'lãnh đạo'} ghi 'KT.' (ký thay), mà chỉ cấp "
                               "phó (lãnh đạo cơ quan) mới ký thay người đứng đầu (Nghị định 30/2020/NĐ-CP, Điều "
                               "13): người ủy quyền cần ủy quyền lại theo 'TUQ.' (thừa ủy quyền).")


def check_delegator(*, subject: str, roles: frozenset[str], head_of: frozenset[str], unit: str, deputy: str,
                    unit_members: frozenset[str], unit_name: str = "") -> None:
    """Who may delegate what: a leader their own tasks (``unit`` empty); the head of a unit (role head, head of it in
    the directory) its tasks to a member of the unit. Never to oneself. Only what one holds in one's own right:
    a deputy's tasks under a delegation are not in ``roles``/``head_of``, so they cannot be delegated again."""
    if deputy == subject:
        raise InvalidArgument("deputy", "là chính đồng chí: hãy chọn người khác trong cơ quan.")
    if not unit:
        if "leader" not in roles:
            raise PermissionDenied("Chỉ lãnh đạo mới ủy quyền việc của mình; trưởng đơn vị thì ghi đơn vị.")
        return
    if "head" not in roles or unit not in head_of:
        raise PermissionDenied(f"Chỉ trưởng đơn vị {unit_name or 'này'} mới ủy quyền việc của đơn vị.")
    if deputy not in unit_members:
        raise InvalidArgument("deputy", f"không phải thành viên của {unit_name or 'đơn vị này'}.")


def in_force(valid_from: date, valid_to: date, revoked: bool, today: date) -> bool:
    """Whether a delegation gives anything on ``today`` (Vietnam date): inside its period and not revoked."""
    return not revoked and valid_from <= today <= valid_to
