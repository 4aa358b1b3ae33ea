"""Ủy quyền kept in the workflow's database (issue 13 item 7): :class:`DelegationStore` creates, lists and revokes
delegations (:mod:`vanthu_workflow.domain.delegation` has the rules) and finds those in force for a deputy on a day,
which the API adds to the acting person (:attr:`vanthu_workflow.store.Actor.acting_for`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.errors import NotFound, PermissionDenied
from vanthu_core.ids import new_id
from vanthu_core.timeutil import Clock, utc_now, vietnam_time
from vanthu_workflow.domain.delegation import ActingFor, in_force
from vanthu_workflow.store import DelegationRow, WorkflowStore, delegation_in_force


@dataclass(frozen=True)
class DelegationView:
    id: str
    agency_code: str
    delegator: str
    delegator_username: str
    delegator_name: str
    unit_code: str
    deputy: str
    deputy_name: str
    valid_from: date
    valid_to: date
    competence: str
    reason: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str
    active: bool
    deputy_position: str = ""


class DelegationStore:
    """Delegations of every agency; each method is one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now,
                 cases: WorkflowStore | None = None) -> None:
        self.sessions = sessions
        self.clock = clock
        #: The cases whose document audiences follow the delegations (None: nothing is published; tests of the
        #: delegations alone).
        self.cases = cases

    async def _publish(self, session: AsyncSession, row: DelegationRow, actor: str) -> int:
        """Publishes again the audiences of the open cases ``row`` covers (its deputy joins or leaves them) and
        remembers whether it counted then (:attr:`DelegationRow.audience_published`)."""
        row.audience_published = in_force(row.valid_from, row.valid_to, row.revoked_at is not None, self.today())
        if self.cases is None:
            return 0
        await session.flush()
        return await self.cases.publish_audiences(session, agency_code=row.agency_code, delegator=row.delegator,
                                                  unit_code=row.unit_code, actor=actor)

    def today(self) -> date:
        return vietnam_time(self.clock()).date()

    def _view(self, row: DelegationRow) -> DelegationView:
        return DelegationView(
            id=row.id, agency_code=row.agency_code, delegator=row.delegator,
            delegator_username=row.delegator_username, delegator_name=row.delegator_name, unit_code=row.unit_code,
            deputy=row.deputy, deputy_name=row.deputy_name, valid_from=row.valid_from, valid_to=row.valid_to,
            competence=row.competence, reason=row.reason, created_at=row.created_at, revoked_at=row.revoked_at,
            revoked_by=row.revoked_by, deputy_position=row.deputy_position,
            active=in_force(row.valid_from, row.valid_to, row.revoked_at is not None, self.today()))

    async def create(self, *, agency_code: str, delegator: str, delegator_username: str, delegator_name: str,
                     unit_code: str, deputy: str, deputy_name: str, valid_from: date, valid_to: date,
                     competence: str, reason: str, deputy_position: str = "") -> DelegationView:
        """A delegation (checked by the caller: :func:`~vanthu_workflow.domain.delegation.check_delegator`,
        :func:`~vanthu_workflow.domain.delegation.check_period`)."""
        async with self.sessions() as session, session.begin():
            row = DelegationRow(id=new_id(), agency_code=agency_code, delegator=delegator,
                                delegator_username=delegator_username, delegator_name=delegator_name,
                                unit_code=unit_code, deputy=deputy, deputy_name=deputy_name, valid_from=valid_from,
                                valid_to=valid_to, competence=competence, reason=reason, created_at=self.clock(),
                                deputy_position=deputy_position,
                                revoked_at=None, revoked_by="", audience_published=False)
            session.add(row)
            if in_force(valid_from, valid_to, False, self.today()):  # the deputy sees what they may now act on
                await self._publish(session, row, delegator_username)
            return self._view(row)

    async def listed(self, agency_code: str, subject: str, *, everyone: bool,
                     active_only: bool) -> list[DelegationView]:
        """Those ``subject`` gave or received (``everyone``: all of the agency), newest first (at most 500)."""
        query = select(DelegationRow).where(DelegationRow.agency_code == agency_code)
        if not everyone:
            query = query.where(or_(DelegationRow.delegator == subject, DelegationRow.deputy == subject))
        async with self.sessions() as session:
            rows = (await session.execute(query.order_by(DelegationRow.id.desc()).limit(500))).scalars().all()
            views = [self._view(r) for r in rows]
        return [v for v in views if v.active] if active_only else views

    async def revoke(self, *, agency_code: str, delegation_id: str, subject: str, username: str,
                     leader: bool) -> DelegationView:
        """End a delegation now: its delegator or a leader of the agency (NotFound for others: not theirs to see,
        unless they are its deputy: PermissionDenied). A revoked one stays as it was."""
        async with self.sessions() as session, session.begin():
            row = await session.get(DelegationRow, delegation_id, with_for_update=True)
            if row is None or row.agency_code != agency_code or \
                    not (leader or subject in (row.delegator, row.deputy)):
                raise NotFound("Cơ quan không có ủy quyền này.")
            if not leader and subject != row.delegator:
                raise PermissionDenied("Chỉ người ủy quyền hoặc lãnh đạo mới kết thúc được ủy quyền.")
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = self.clock(), username
                if row.audience_published:  # a deputy who never acted no longer sees the cases it covered
                    await self._publish(session, row, username)
            return self._view(row)

    async def publish_changes(self, limit: int = 100) -> int:
        """The sweep: the delegations that began or ended since the audiences were last published for them (whether
        they are in force today differs from :attr:`DelegationRow.audience_published`) have their cases' audiences
        published again, ``limit`` delegations per transaction. Returns how many cases were published."""
        today, published = self.today(), 0
        while True:
            async with self.sessions() as session, session.begin():
                rows = (await session.execute(select(DelegationRow).where(
                    DelegationRow.audience_published != delegation_in_force(today))
                    .order_by(DelegationRow.id).limit(limit).with_for_update(skip_locked=True))).scalars().all()
                for row in rows:
                    published += await self._publish(session, row, "vanthu-workflow")
            if len(rows) < limit:
                return published

    async def deputies(self, agency_code: str) -> dict[str, tuple[str, ...]]:
        """The deputies under the agency's delegations in force today: ``person:<delegator>`` (a leader's own tasks)
        or ``unit:<code>`` (a head's unit) → their subjects (for :class:`vanthu_workflow.notify.Audience`)."""
        return (await self.deputies_by_agency(agency_code)).get(agency_code, {})

    async def deputies_by_agency(self, agency_code: str | None = None) -> dict[str, dict[str, tuple[str, ...]]]:
        """:meth:`deputies` of every agency with a delegation in force today (or of ``agency_code`` alone): agency
        code → ``person:<delegator>`` / ``unit:<code>`` → subjects, each once, oldest delegation first."""
        today = self.today()
        query = select(DelegationRow.agency_code, DelegationRow.delegator, DelegationRow.unit_code,
                       DelegationRow.deputy).where(delegation_in_force(today))
        if agency_code is not None:
            query = query.where(DelegationRow.agency_code == agency_code)
        async with self.sessions() as session:
            rows = (await session.execute(query.order_by(DelegationRow.valid_from, DelegationRow.id))).all()
        found: dict[str, dict[str, list[str]]] = {}
        for agency, delegator, unit, deputy in rows:
            key = f"unit:{unit}" if unit else f"person:{delegator}"
            found.setdefault(agency, {}).setdefault(key, []).append(deputy)
        return {agency: {key: tuple(dict.fromkeys(subjects)) for key, subjects in keys.items()}
                for agency, keys in found.items()}

    async def acting_for(self, agency_code: str, deputy: str) -> tuple[ActingFor, ...]:
        """The delegations in force today (Vietnam date at the store's clock) for ``deputy``."""
        today = self.today()
        async with self.sessions() as session:
            rows = (await session.execute(select(DelegationRow).where(
                DelegationRow.agency_code == agency_code, DelegationRow.deputy == deputy,
                delegation_in_force(today)))).scalars().all()
        return tuple(ActingFor(delegation_id=r.id, delegator=r.delegator, delegator_username=r.delegator_username,
                               unit=r.unit_code, competence=r.competence, delegator_name=r.delegator_name,
                               deputy_position=r.deputy_position)
                     for r in sorted(rows, key=lambda r: (r.valid_from, r.id)))
