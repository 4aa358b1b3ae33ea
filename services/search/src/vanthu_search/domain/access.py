"""Who may see a document inside its agency (issue 13 item 7; the registry's ``Document.audience``).

A document lists the principals who may open it: ``*`` (everyone of the agency), ``role:<role>``, ``unit:<unit
code>``, ``user:<sub>``; a caller sees it when one of their principals is listed; an empty list shows it to nobody.
Every query is filtered by the caller's agency AND their principals, before counting and faceting.
"""

from __future__ import annotations

from collections.abc import Iterable

EVERYONE = "*"


def principals_of(subject: str, roles: Iterable[str], units: Iterable[str], username: str = "") -> frozenset[str]:
    """The caller's principals: ``*``, ``role:`` each role of their token, ``user:`` their subject and ``unit:`` each
    unit the registry's directory puts them in (and ``username:`` their username)."""
    found = {EVERYONE, f"user:{subject}"}
    if username:
        found.add(f"username:{username}")
    found.update(f"role:{role}" for role in roles)
    found.update(f"unit:{unit}" for unit in units if unit)
    return frozenset(found)


def audience_of(listed: Iterable[str]) -> tuple[str, ...]:
    """The registry's audience of a document as the index keeps it (empty: nobody sees it, fail closed)."""
    return tuple(dict.fromkeys(p for p in listed if p))
