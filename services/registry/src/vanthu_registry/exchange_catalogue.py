"""Persistence of the exchange catalogue (danh mục gửi nhận): per agency and type, electronic only or with the paper
original too (:mod:`vanthu_registry.domain.exchange` says why the default is electronic only).

A document takes its type's form when it is numbered (:mod:`vanthu_registry.numbering` calls :func:`form_of` in the
numbering transaction), so a later change of the catalogue never changes a document already in the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.timeutil import Clock, utc_now
from vanthu_registry.domain.doctypes import DocumentType
from vanthu_registry.domain.exchange import DEFAULT_FORM, ExchangeForm
from vanthu_registry.registers import TypeLookup
from vanthu_registry.tables import ExchangeFormRow


@dataclass(frozen=True)
class CatalogueEntry:
    """An agency's form for a type; ``set_by`` empty (and ``set_at`` None) for the default nobody set."""

    type_code: str
    form: ExchangeForm
    set_by: str = ""
    set_at: datetime | None = None


async def form_of(session: AsyncSession, agency_code: str, type_code: str) -> ExchangeForm:
    """The agency's form for ``type_code``, in the caller's transaction (the default when nobody set it)."""
    form = (await session.execute(select(ExchangeFormRow.form).where(
        ExchangeFormRow.agency_code == agency_code, ExchangeFormRow.type_code == type_code))).scalar()
    return ExchangeForm(form) if form else DEFAULT_FORM


class ExchangeCatalogue:
    """The agencies' exchange catalogues; each method is one transaction. ``document_type`` checks that a type
    is one of the agency's (the Decree's or its own; InvalidArgument otherwise)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now, *,
                 document_type: TypeLookup) -> None:
        self.sessions = sessions
        self.clock = clock
        self.document_type = document_type

    async def entries(self, agency_code: str) -> dict[str, CatalogueEntry]:
        """The forms the agency set, by type code (types missing here are :data:`DEFAULT_FORM`)."""
        async with self.sessions() as session:
            rows = (await session.execute(select(ExchangeFormRow).where(
                ExchangeFormRow.agency_code == agency_code))).scalars()
            return {r.type_code: CatalogueEntry(r.type_code, ExchangeForm(r.form), r.set_by, r.set_at) for r in rows}

    async def set_form(self, *, agency_code: str, type_code: str, form: ExchangeForm,
                       actor: str) -> tuple[DocumentType, CatalogueEntry]:
        """Put the agency's ``type_code`` on the list of ``form``; setting the form it has changes nothing."""
        async with self.sessions() as session, session.begin():
            doc_type = await self.document_type(session, agency_code, type_code)
            row = await session.get(ExchangeFormRow, (agency_code, type_code), with_for_update=True)
            if row is None:
                if form is DEFAULT_FORM:
                    return doc_type, CatalogueEntry(type_code, form)
                row = ExchangeFormRow(agency_code=agency_code, type_code=type_code, form=form.value, set_by=actor,
                                      set_at=self.clock())
                session.add(row)
            elif row.form != form.value:
                row.form, row.set_by, row.set_at = form.value, actor, self.clock()
            return doc_type, CatalogueEntry(type_code, ExchangeForm(row.form), row.set_by, row.set_at)
