"""Who inside the holding agency sees a document (Document.audience, issue 13 item 7): pure rules, no I/O.

A document's audience is a set of principals: ``"*"`` (everyone of the agency), ``"role:<role>"``, ``"unit:<unit
code>"`` (every member of the unit, as the registry's directory says), ``"user:<sub>"``. A caller sees the document
when one of their principals (:func:`principals_of`) is in it; an empty audience shows it to nobody (fail closed).

The rule (Decree 30/2020 Art. 20–24 for arrivals; Art. 10–14 and regulations digest §3.4 for outgoing documents):

* **incoming**: the clerks (they receive, register and submit it) and the leaders (they direct its processing),
  plus whoever the workflow's case gives it to — the lead, cooperating and for-information units and people, the
  person a head re-assigned a unit's task to (the unit keeps it too); a recall or a reassignment takes it back
  from those whose tasks were cancelled.
* **outgoing, before issue**: the clerks (they check the format, number and issue it), the leaders (they approve
  and sign), the drafter, and whoever the approval circuit gives it to (the reviewing head's unit, the consulted
  units, the signer's role). A draft is a working paper of its drafting circle (Art. 10–12), not of the agency.
* **outgoing, issued**: ``"*"`` — once issued it is the agency's official document, sent
  outside and listed in the register book every keeper prints; anyone of the agency may read it (Art. 19: the agency
  keeps the original).
* **existing documents** (migration 0013): as above, and an arrival past registration that may already have been
  assigned before the registry knew assignments keeps ``"*"`` until its case's next step says who it is given to.
"""

from __future__ import annotations

from collections.abc import Iterable

EVERYONE = "*"
CLERKS = "role:clerk"
LEADERS = "role:leader"
#: The principals a workflow step may name (anything else is dropped, so an event cannot widen a document to all).
_WORKFLOW_PREFIXES = ("role:", "unit:", "user:")
#: Statuses of an outgoing document the whole agency sees.
_PUBLISHED = frozenset({"issued"})
#: At most this many principals are kept from a workflow step (a case has a lead, some cooperating units...).
MAX_WORKFLOW_PRINCIPALS = 200


def workflow_principals(values: Iterable[str]) -> list[str]:
    """The principals a workflow step names, cleaned: known prefixes only, no ``"*"``, sorted, at most
    :data:`MAX_WORKFLOW_PRINCIPALS`."""
    kept = {v.strip() for v in values if v.strip().startswith(_WORKFLOW_PREFIXES) and len(v.strip()) <= 110}
    return sorted(kept)[:MAX_WORKFLOW_PRINCIPALS]


def audience_of(*, direction: str, status: str, drafter_subject: str, workflow: Iterable[str]) -> list[str]:
    """The audience of a document (sorted): the rule of this module's docstring. ``workflow`` is what the last
    workflow step said (:func:`workflow_principals`), ``["*"]`` for an arrival the migration could not place."""
    if direction == "outgoing" and status in _PUBLISHED:
        return [EVERYONE]
    given = set(workflow)
    if EVERYONE in given:
        return [EVERYONE]
    found = {CLERKS, LEADERS} | given
    if direction == "outgoing" and drafter_subject:
        found.add(f"user:{drafter_subject}")
    return sorted(found)


def principals_of(*, subject: str, roles: Iterable[str], units: Iterable[str]) -> frozenset[str]:
    """A caller's principals: everyone's, their roles', their units' (membership in the registry's directory) and
    their own."""
    return frozenset({EVERYONE, f"user:{subject}", *(f"role:{r}" for r in roles), *(f"unit:{u}" for u in units)})


def sees(audience: Iterable[str], principals: frozenset[str]) -> bool:
    """Whether a caller with ``principals`` sees a document of ``audience`` (empty: nobody)."""
    return any(p in principals for p in audience)
