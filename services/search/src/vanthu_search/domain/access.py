"""Who may see a document inside its agency (issue 13 item 7; the registry's ``Document.audience``).

A document lists the principals who may open it: ``*`` (everyone of the agency), ``role:<role>``, ``unit:<unit
code>``, ``user:<sub>``; a caller sees it when one of their principals is listed; an empty list shows it to nobody.
Every query is filtered by the caller's agency AND their principals, before counting and faceting.
"""

from __future__ import annotations

from collections.abc import Iterable

EVERYONE = "*"
#: Who sees an incoming document in any case (Decree 30/2020 Art. 22–24: the clerk registers it, the leader assigns).
KEEPERS = ("role:clerk", "role:leader")


def principals_of(subject: str, roles: Iterable[str], units: Iterable[str], username: str = "") -> frozenset[str]:
    """The caller's principals: ``*``, ``role:`` each role of their token, ``user:`` their subject and ``unit:`` each
    unit the registry's directory puts them in (and ``username:`` their username, which only the provisional
    audience uses: the registry records a document's drafter by username)."""
    found = {EVERYONE, f"user:{subject}"}
    if username:
        found.add(f"username:{username}")
    found.update(f"role:{role}" for role in roles)
    found.update(f"unit:{unit}" for unit in units if unit)
    return frozenset(found)


def provisional_audience(*, direction: str, created_by: str, drafting_unit: str) -> tuple[str, ...]:
    """The audience used while the registry does not fill ``Document.audience`` yet (it returns it empty until the
    registry's change lands): the agency's clerks and leaders, the person who entered it (the registry's
    ``created_by`` is a username) and an outgoing document's drafting unit. The registry's own list, once given,
    always wins (:func:`audience_of`)."""
    audience = list(KEEPERS)
    if created_by:
        audience.append(f"username:{created_by}")
    if direction == "outgoing" and drafting_unit:
        audience.append(f"unit:{drafting_unit}")
    return tuple(audience)


def audience_of(listed: Iterable[str], *, direction: str, created_by: str, drafting_unit: str) -> tuple[str, ...]:
    """The registry's audience when it gives one, else :func:`provisional_audience`."""
    given = tuple(dict.fromkeys(p for p in listed if p))
    return given or provisional_audience(direction=direction, created_by=created_by, drafting_unit=drafting_unit)
