"""The registry's document tables (SQLAlchemy 2 ORM rows): document types, registers, their history and yearly
counters, documents, copies and documents' history.

The rows hold what the stores write; the rules live in the stores and in :mod:`vanthu_registry.domain`. Two
constraints back the numbering rules of Decree 30/2020 Art. 15 (see :mod:`vanthu_registry.numbering`): a number is
given once in a register's year (``uq_documents_register_number``, ``uq_copies_register_number``), and the number and
symbol of an outgoing document is unique in its agency's year (``uq_documents_outgoing_symbol``, a partial unique
index over :data:`OUTGOING_SYMBOL_WHERE`). The schema itself is the migrations' (``vanthu_registry/migrations``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from vanthu_core.db import UtcDateTime
from vanthu_core.text import fold
from vanthu_registry.domain.doctypes import DocumentType
from vanthu_registry.store import Base


class DocumentTypeRow(Base):
    __tablename__ = "document_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    abbreviation: Mapped[str] = mapped_column(String(20), default="")
    #: Empty for the Decree's catalogue.
    agency_code: Mapped[str] = mapped_column(String(35), default="")

    __table_args__ = (UniqueConstraint("agency_code", "code", name="uq_document_types_agency_code"),)

    def to_domain(self) -> DocumentType:
        return DocumentType(self.code, self.name, self.abbreviation, self.agency_code or None)


class ExchangeFormRow(Base):
    """The exchange catalogue (danh mục gửi nhận): an agency's form for one of its types; a type without a row is
    electronic only (:mod:`vanthu_registry.domain.exchange`)."""

    __tablename__ = "exchange_forms"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    type_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    form: Mapped[str] = mapped_column(String(25))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RegisterRow(Base):
    __tablename__ = "registers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    #: The agency's abbreviation in symbols it issues from this register ("UBND" in 05/CT-UBND).
    agency_abbreviation: Mapped[str] = mapped_column(String(20), default="")
    #: When set, only these types are numbered here (a separate series, e.g. for decisions); when empty, every
    #: type of the register's kind that no other active register of the agency lists.
    type_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Outgoing: numbers legal-normative documents (VB QPPL, one type per register) rather than the others.
    legal_normative: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Incoming: a second arrival series the agency opened on purpose.
    separate_arrival_series: Mapped[bool] = mapped_column(Boolean, default=False)


class RegisterHistoryRow(Base):
    """What happened to a register (created, start set, entries imported): who, when, what."""

    __tablename__ = "register_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    register_id: Mapped[str] = mapped_column(ForeignKey("registers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class RegisterCounterRow(Base):
    __tablename__ = "register_counters"

    register_id: Mapped[str] = mapped_column(ForeignKey("registers.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    #: The number this year's series started at here when the register went live mid-year (SetRegisterStart).
    start_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


#: The rows the unique number-and-symbol index covers: numbered outgoing documents not flagged as duplicates.
OUTGOING_SYMBOL_WHERE = "direction = 'outgoing' AND number IS NOT NULL AND duplicate_of = ''"
ARRIVAL_KEY_WHERE = "arrival_key <> ''"


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: The agency that holds this record (tenancy).
    agency_code: Mapped[str] = mapped_column(String(35))
    direction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    type_code: Mapped[str] = mapped_column(String(40))
    abstract: Mapped[str] = mapped_column(String(500))
    search_key: Mapped[str] = mapped_column(String(600), default="")
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    drafting_unit: Mapped[str] = mapped_column(String(200), default="")
    unit_abbreviation: Mapped[str] = mapped_column(String(20), default="")
    signer_name: Mapped[str] = mapped_column(String(50), default="")
    signer_title: Mapped[str] = mapped_column(String(100), default="")
    signer_competence: Mapped[str] = mapped_column(String(5), default="")
    signer_subject: Mapped[str] = mapped_column(String(64), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    recipients: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    files: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    answers_document_id: Mapped[str] = mapped_column(String(36), default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Issuing agency: the holder for outgoing documents, the sender for incoming ones.
    issuing_agency_code: Mapped[str] = mapped_column(String(35), default="")
    issuing_agency_name: Mapped[str] = mapped_column(String(200), default="")
    #: The issuing agency's name folded (:func:`vanthu_core.text.fold`: tones optional), kept by :meth:`_sender_key`
    #: whenever the name is set: the list's "cơ quan ban hành" filter finds a sender typed by hand (a paper arrival
    #: from an agency the directory lacks has a name and no code).
    sender_key: Mapped[str] = mapped_column(String(200), default="")
    #: "05/CT-UBND": set on issue (outgoing) or as received (incoming).
    number_symbol: Mapped[str] = mapped_column(String(42), default="")
    #: Ngày tháng văn bản: the promulgation date (outgoing, on issue) or the sender's date (incoming).
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    register_id: Mapped[str | None] = mapped_column(ForeignKey("registers.id"), nullable=True)
    register_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Số (outgoing) or số đến (incoming) in the register.
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    numbered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    duplicate_of: Mapped[str] = mapped_column(String(36), default="")
    #: Subject (``sub``) of the person who drafted an outgoing document: they submit it for signature.
    drafter_subject: Mapped[str] = mapped_column(String(100), default="")
    #: The competent person who signed the main file (username, for display) and when.
    signed_by: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Why the agency's seal failed on a numbered document (the clerk repeats the issue); empty otherwise.
    seal_error: Mapped[str] = mapped_column(String(1000), default="")
    #: Incoming only: "" (no file), "pending", "valid" or "invalid" (flagged), as the signing service found;
    #: "unsigned" for a paper arrival entered by hand (scans: nothing to verify).
    signature_check: Mapped[str] = mapped_column(String(10), default="")
    signature_note: Mapped[str] = mapped_column(String(1000), default="")
    #: Who signed the arrival's files and when, one line a signature, as the verification found them.
    signature_signers: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Văn bản quy phạm pháp luật: numbered in its type's legal-normative register, the year in its symbol.
    legal_normative: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Incoming: when it arrived (tiếp nhận) — the register book's "Ngày đến"; numbered_at is when it was registered.
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: An entry of the register imported from the previous system's book (going live mid-year).
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Incoming from interchange: the delivery that brought it ("<package>/<recipient>"); unique in the agency, so the
    #: same delivery twice makes one arrival.
    arrival_key: Mapped[str] = mapped_column(String(200), default="")
    #: How it goes (the exchange catalogue's form when numbered; the sender's for an arrival): "electronic",
    #: "electronic_and_paper" (the paper original too), or "" (not numbered yet, or an arrival entered from paper).
    exchange_form: Mapped[str] = mapped_column(String(25), default="")
    #: Thu hồi / cập nhật (interchange, regulations digest §7.2). Incoming: "" | requested | accepted | refused;
    #: outgoing: "" | pending (frozen: the recipients were asked to give it back) | settled.
    revocation: Mapped[str] = mapped_column(String(10), default="")
    revocation_reason: Mapped[str] = mapped_column(String(500), default="")
    #: revoke (thu hồi) | update (cập nhật)
    revocation_kind: Mapped[str] = mapped_column(String(10), default="")
    #: Thay thế (edXML business type 3): the arrival this one replaces, the arrival that replaced this one.
    replaces_document_id: Mapped[str] = mapped_column(String(36), default="")
    replaced_by_document_id: Mapped[str] = mapped_column(String(36), default="")
    #: Cập nhật (edXML business type 2) the sender asked and the clerk has not answered: the update's content
    #: (:func:`vanthu_registry.domain.revocation.update_columns`), its files referred to; None otherwise.
    pending_update: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    #: Who inside the agency sees it (:mod:`vanthu_registry.domain.audience`), as returned; the same principals are
    #: rows of :class:`DocumentAudienceRow`, which the lists filter on.
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: What the workflow's last step gave the document to (principals), and that step's ``audience_seq``.
    workflow_audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Outgoing: the workflow's circuit (quy trình trình ký) governs it since the circuit started: it is submitted,
    #: returned, signed and issued only through the workflow (which vouches for those calls), never directly.
    in_circuit: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("register_id", "register_year", "number", name="uq_documents_register_number"),
        Index("ix_documents_agency_direction", "agency_code", "direction", "id"),
        Index("ix_documents_sender", "agency_code", "issuing_agency_code", "number_symbol", "document_date"),
        # Số và ký hiệu is unique in the agency's year (Decree 30/2020 Art. 15); outgoing documents numbered twice
        # before this rule keep their number and are flagged with duplicate_of (migration 0005).
        Index("uq_documents_outgoing_symbol", "agency_code", "register_year", "number_symbol", unique=True,
              sqlite_where=text(OUTGOING_SYMBOL_WHERE), postgresql_where=text(OUTGOING_SYMBOL_WHERE)),
        Index("uq_documents_arrival_key", "agency_code", "arrival_key", unique=True,
              sqlite_where=text(ARRIVAL_KEY_WHERE), postgresql_where=text(ARRIVAL_KEY_WHERE)),
    )

    @validates("issuing_agency_name")
    def _sender_key(self, _key: str, name: str) -> str:
        self.sender_key = fold(name or "")[:200]
        return name


class DocumentAudienceRow(Base):
    """One principal of a document's audience (``documents.audience`` as rows, for the lists' filter)."""

    __tablename__ = "document_audience"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(120), primary_key=True)

    __table_args__ = (Index("ix_document_audience_principal", "principal", "document_id"),)


class AccessLogRow(Base):
    """Nhật ký truy cập (Decree 30/2020 Appendix VI, III.5.a): one view of a document or one file handed out.
    Append-only: the database refuses to change or delete a line (triggers, migration 0013)."""

    __tablename__ = "document_access_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(36))
    agency_code: Mapped[str] = mapped_column(String(35))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    subject: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(100), default="")
    #: view | download | link
    action: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[str] = mapped_column(String(36), default="")
    #: The OIDC client (the token's azp).
    client: Mapped[str] = mapped_column(String(100), default="")

    __table_args__ = (Index("ix_document_access_log_document", "document_id", "id"),)


class CopyRow(Base):
    """A copy (bản sao) numbered in a copy register: SY, SL and TrS share the register's yearly series."""

    __tablename__ = "copies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    register_id: Mapped[str] = mapped_column(ForeignKey("registers.id"))
    register_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(3))
    number_symbol: Mapped[str] = mapped_column(String(42))
    #: The document copied, when the agency holds it; empty for a copy of a paper original only.
    source_document_id: Mapped[str] = mapped_column(String(36), default="")
    object_id: Mapped[str] = mapped_column(String(36), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("register_id", "register_year", "number", name="uq_copies_register_number"),
                      Index("ix_copies_agency_created_at", "agency_code", "created_at"))


class HistoryRow(Base):
    __tablename__ = "document_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class HistoryEntry:
    """A line of a document's or a register's history (:class:`HistoryRow`, :class:`RegisterHistoryRow`), as read."""

    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    note: str


def document_view(row: DocumentRow) -> dict[str, Any]:
    """A document as the stores answer it: every column of its row but the search key."""
    return {c.key: getattr(row, c.key) for c in DocumentRow.__table__.columns
            if c.key not in ("search_key", "sender_key", "workflow_audience", "audience_seq")}
