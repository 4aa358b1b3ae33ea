"""An agency's internal units (đơn vị: văn phòng, phòng, ban, bộ phận) and the people in them (issue 13, item 0).

Units and membership are VanThu's own data: work is given to a unit (its head, trưởng đơn vị, splits it inside the
unit) or to a person in it. The people themselves come from the identity provider, read only
(:mod:`vanthu_registry.people`); a membership refers to a person by subject (``sub``), which never changes, and keeps
the username and name for display. A unit belongs to one agency: its code is unique there, its parent unit is of the
same agency, and it has at most one head. Each agency's administrator (quản trị) manages their own agency's units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vanthu_core.errors import InvalidArgument
from vanthu_core.text import clean_text

MAX_UNIT_CODE = 20
MAX_UNIT_NAME = 200
UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: A subject as identity providers write it (Keycloak's user IDs are UUIDs; the dev issuer's too).
SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
MAX_SUBJECT = 100

#: Kinds of unit with their Vietnamese names.
KINDS = {"office": "văn phòng", "division": "phòng", "board": "ban", "section": "bộ phận", "other": "đơn vị khác"}
#: Positions in a unit with their Vietnamese names; ``head`` is the one head of the unit (trưởng đơn vị).
POSITIONS = {"head": "trưởng đơn vị", "deputy": "phó trưởng đơn vị", "officer": "chuyên viên", "staff": "nhân viên"}
HEAD = "head"
#: Deeper than any real agency's organisation (văn phòng → phòng → tổ); a longer chain is damaged data.
MAX_UNIT_DEPTH = 16


@dataclass(frozen=True)
class Unit:
    agency_code: str
    code: str
    name: str
    kind: str = "division"
    parent_code: str | None = None
    active: bool = True
    #: Read only: the head's subject and username, from the membership.
    head_subject: str = ""
    head_username: str = ""


@dataclass(frozen=True)
class Member:
    unit_code: str
    subject: str
    username: str
    name: str
    position: str


def check_unit_code(value: str, field_name: str = "code") -> str:
    code = clean_text(field_name, value or "", max_len=MAX_UNIT_CODE)
    if not UNIT_CODE.match(code):
        raise InvalidArgument(field_name, "chỉ gồm chữ, số, '.', '-' và '_' (ví dụ VP, TCBC).")
    return code


def check_subject(value: str, field_name: str = "subject") -> str:
    subject = clean_text(field_name, value or "", max_len=MAX_SUBJECT)
    if not SUBJECT.match(subject):
        raise InvalidArgument(field_name, "là mã người dùng trong hệ thống xác thực (ví dụ một UUID).")
    return subject


def check_unit(*, agency_code: str, code: str, name: str, kind: str = "", parent_code: str | None = None,
               active: bool = True) -> Unit:
    """Validate and normalise one unit (name NFC); whether the parent exists in the agency is the store's to say."""
    clean_code = check_unit_code(code)
    parent = check_unit_code(parent_code, "parent_code") if parent_code else None
    if parent == clean_code:
        raise InvalidArgument("parent_code", "đơn vị không thể là cấp trên của chính mình.")
    kind = (kind or "division").strip()
    if kind not in KINDS:
        raise InvalidArgument("kind", f"phải là một trong {', '.join(KINDS)} ({', '.join(KINDS.values())}).")
    return Unit(agency_code=agency_code, code=clean_code, name=clean_text("name", name, max_len=MAX_UNIT_NAME),
                kind=kind, parent_code=parent, active=active)


def check_position(value: str) -> str:
    position = (value or "").strip()
    if position not in POSITIONS:
        raise InvalidArgument("position", f"phải là một trong {', '.join(POSITIONS)} "
                                          f"({', '.join(POSITIONS.values())}).")
    return position


def check_unit_parent(code: str, parent_chain: list[str]) -> None:
    """Refuse a parent that is the unit itself or one of its sub-units (the units of an agency are a tree).

    ``parent_chain``: the new parent and its ancestors, as the agency's units are now.
    """
    if code in parent_chain:
        path = " → ".join(parent_chain[:parent_chain.index(code) + 1])
        raise InvalidArgument("parent_code", f"{parent_chain[0]} là đơn vị cấp dưới của {code} ({path}): không đặt "
                                             "được đơn vị dưới một đơn vị con của chính nó.")
