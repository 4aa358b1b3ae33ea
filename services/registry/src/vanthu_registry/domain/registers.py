"""Registers (sổ đăng ký văn bản): what each one numbers, and the rule that one document has one series.

Decree 30/2020/NĐ-CP, Art. 15 and Appendix I (``regulations.md`` §3.3): the number and symbol (số, ký hiệu) are
unique within the year; legal-normative documents (văn bản quy phạm pháp luật, VB QPPL) have one series per type;
the head of the agency decides how the other (administrative) documents are numbered — one shared series, or
separate series for some types. Art. 22 (§3.5): arrival numbers (số đến) run in one series per year. No I/O here.

A register of direction ``outgoing`` declares what it numbers:

- its kind: legal-normative documents (``legal_normative``) or the others;
- its types: a register listing types (``type_codes``) numbers those types of its kind; a register with no types
  numbers every type of its kind that no other active register of the agency lists. A legal-normative register
  lists exactly one type (one series per type).

So each (type, kind) of an agency is covered by at most one active register, and a document is numbered only in
the register that covers it. An agency has one active incoming register (one arrival series) unless it opens a
second one on purpose (``separate_arrival_series``), and one copy register (one series for SY, SL and TrS).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vanthu_core.errors import Conflict, InvalidArgument
from vanthu_registry.domain.doctypes import DocumentType
from vanthu_registry.domain.documents import Direction

#: Types of Decree 30's catalogue that local authorities issue as VB QPPL (Nghị quyết of the People's Council,
#: Quyết định of the People's Committee); every other catalogue type is administrative only. Types an agency
#: defines itself (e.g. a ministry's Thông tư) may be legal-normative.
LEGAL_NORMATIVE_TYPES = ("nghi_quyet", "quyet_dinh")


@dataclass(frozen=True)
class Register:
    """One register of an agency: a yearly number series (counters live in the store)."""

    id: str
    agency_code: str
    direction: Direction
    name: str
    agency_abbreviation: str
    type_codes: tuple[str, ...]
    active: bool
    #: Outgoing only: numbers legal-normative documents (VB QPPL) rather than the others.
    legal_normative: bool = False
    #: Incoming only: a second arrival series the agency opened on purpose (recorded in the register's history).
    separate_arrival_series: bool = False

    def lists(self, type_code: str) -> bool:
        """Whether its own list of types lets it number ``type_code`` (an empty list: every type). An outgoing
        register without a list also leaves the types other registers list to them: :func:`covers`."""
        return not self.type_codes or type_code in self.type_codes


def kind_name(legal_normative: bool) -> str:
    """The kind of documents a register numbers, in the clerks' words (Decree 30/2020 Art. 15)."""
    return "quy phạm pháp luật (VB QPPL)" if legal_normative else "hành chính (không phải VB QPPL)"


def describe(register: Register, type_names: dict[str, str] | None = None) -> str:
    """What a register numbers, for messages: "sổ 'Sổ quyết định' (mã …) cấp số văn bản hành chính … Quyết định"."""
    names = type_names or {}
    if register.direction is Direction.INCOMING:
        what = "văn bản đến (số đến)"
    elif register.direction is Direction.COPY:
        what = "bản sao (SY, SL, TrS)"
    elif register.type_codes:
        what = f"văn bản {kind_name(register.legal_normative)} " + ", ".join(
            f"{names.get(c, c)} ({c})" for c in register.type_codes)
    else:
        what = f"mọi loại văn bản {kind_name(register.legal_normative)} mà sổ khác không ghi"
    return f"sổ '{register.name}' (mã {register.id}) cấp số {what}"


def check_register_scope(direction: Direction, type_codes: Sequence[str], *, legal_normative: bool,
                         separate_arrival_series: bool) -> None:
    """What a new register may declare; :class:`InvalidArgument` naming the field otherwise."""
    if len(set(type_codes)) != len(type_codes):
        raise InvalidArgument("type_codes", "có loại văn bản bị lặp: mỗi loại chỉ ghi một lần.")
    if direction is Direction.COPY and type_codes:
        raise InvalidArgument("type_codes", "sổ bản sao cấp số mọi bản sao (SY, SL, TrS) trong một dãy số: hãy để "
                                            "trống.")
    if legal_normative and direction is not Direction.OUTGOING:
        raise InvalidArgument("legal_normative", "chỉ sổ văn bản đi mới cấp số văn bản quy phạm pháp luật.")
    if legal_normative and len(type_codes) != 1:
        raise InvalidArgument("type_codes", "sổ văn bản quy phạm pháp luật chỉ ghi đúng một loại: mỗi loại VB QPPL "
                                            "có dãy số riêng (Nghị định 30/2020 Điều 15), ví dụ [quyet_dinh].")
    if separate_arrival_series and direction is not Direction.INCOMING:
        raise InvalidArgument("separate_arrival_series", "chỉ áp dụng cho sổ văn bản đến.")


def check_legal_normative(doc_type: DocumentType, legal_normative: bool, field: str = "legal_normative") -> None:
    """A VB QPPL is of a type that can be one: Nghị quyết or Quyết định in Decree 30's catalogue, or a type of the
    agency's own. Raises :class:`InvalidArgument` naming ``field``."""
    if legal_normative and doc_type.agency_code is None and doc_type.code not in LEGAL_NORMATIVE_TYPES:
        raise InvalidArgument(field, f"{doc_type.name} không bao giờ là văn bản quy phạm pháp luật (VB QPPL); trong "
                                     "các loại của Nghị định 30 chỉ Nghị quyết và Quyết định có thể là VB QPPL.")


def covers(register: Register, others: Iterable[Register], type_code: str, legal_normative: bool) -> bool:
    """Whether an active outgoing ``register`` numbers documents of ``type_code`` and kind, given the agency's
    ``others`` active outgoing registers."""
    if not register.active or register.direction is not Direction.OUTGOING:
        return False
    if register.legal_normative != legal_normative:
        return False
    if register.type_codes:
        return type_code in register.type_codes
    return not any(o.id != register.id and o.active and o.direction is Direction.OUTGOING
                   and o.legal_normative == legal_normative and type_code in o.type_codes for o in others)


def covering(registers: Sequence[Register], type_code: str, legal_normative: bool) -> list[Register]:
    """The active outgoing registers of one agency that cover a document: one, or none (nothing to number it in).

    Two are possible only for registers created before the one-register rule; the caller refuses to choose.
    """
    return [r for r in registers if covers(r, registers, type_code, legal_normative)]


def refuse_overlap(new: Register, existing: Sequence[Register], type_names: dict[str, str] | None = None) -> None:
    """Refuse a new register that would number what an active register of the agency numbers already.

    Raises :class:`Conflict` naming the existing register (Decree 30/2020 Art. 15: a number and symbol is unique
    in the year; Art. 22: one arrival series).
    """
    names = type_names or {}
    for old in existing:
        if not old.active or old.id == new.id or old.direction is not new.direction:
            continue
        if new.direction is Direction.COPY:
            raise Conflict(f"Cơ quan đã có sổ bản sao: {describe(old)}; mọi hình thức bản sao dùng chung một dãy số "
                           "trong năm (Nghị định 30/2020 Điều 25, Phụ lục I).")
        if new.direction is Direction.INCOMING:
            if new.separate_arrival_series:
                continue
            raise Conflict(f"Cơ quan đã có sổ văn bản đến: {describe(old)}; số đến chạy một dãy trong năm (Nghị định "
                           "30/2020 Điều 22). Chỉ mở sổ thứ hai khi có chủ đích, với tùy chọn dãy số đến riêng.")
        if old.legal_normative != new.legal_normative:
            continue
        shared = [c for c in new.type_codes if c in old.type_codes]
        if shared:
            listed = ", ".join(f"{names.get(c, c)} ({c})" for c in shared)
            raise Conflict(f"Đã có {describe(old, names)}: {listed} không thể có dãy số thứ hai; hãy cấp số ở sổ đó, "
                           "hoặc chọn loại văn bản khác.")
        if not new.type_codes and not old.type_codes:
            raise Conflict(f"Đã có {describe(old, names)}; sổ thứ hai không ghi loại sẽ cấp số trùng các văn bản đó: "
                           "hãy chọn các loại văn bản sổ mới cấp số.")
