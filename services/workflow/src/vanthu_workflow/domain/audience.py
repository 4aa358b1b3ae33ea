"""Who a case gives its document to (issue 13 item 7; ủy quyền, issue 14): pure rules, no I/O.

The registry keeps a document's audience from the principals the workflow publishes with every step
(``StepRecorded.audience``): ``user:<sub>``, ``unit:<code>``, ``role:<role>``. They are:

* the holder of every task not taken back (``cancelled``): a finished or withdrawn task's holder keeps seeing the
  document, and the unit a head's re-assignment came from keeps it too;
* an outgoing draft's drafter;
* **the deputies who may act on an open task** (Decree 30/2020 Art. 13: a leader may delegate): those of the
  delegations in force of the person holding it (a leader's own tasks), of the unit holding it (a head's unit), and,
  for the leaders' role task, of every leader's delegation — the very tasks a deputy's inbox lists and they may act
  on (:meth:`vanthu_workflow.store.Actor.delegation_for`). A pending delegation (not begun), an ended or a revoked
  one gives nothing;
* **the deputies who acted** on the case under a delegation (a step records it): like anyone who held a task, they
  keep seeing what they acted on after the delegation ends. A deputy who never acted loses the document with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PERSON, UNIT, ROLE = "person", "unit", "role"
LEADERS = "leader"
#: A task taken back from its holder (thu hồi, giao lại): its holder no longer sees the document for it.
CANCELLED = "cancelled"
#: The states in which a task can still be acted on.
OPEN_STATES = frozenset({"open", "in_progress"})
_PREFIX = {PERSON: "user", UNIT: "unit", ROLE: "role"}


@dataclass(frozen=True)
class HeldTask:
    """What the audience needs of a task: who holds it (``person``/``unit``/``role`` and the subject, unit code or
    role), the unit a head's re-assignment came from ("" none) and its state."""

    assignee_kind: str
    assignee: str
    unit_code: str
    state: str


def deputies_key(delegator: str, unit_code: str) -> str:
    """The key of a delegation in a deputies map: ``unit:<code>`` (a head's unit) or ``person:<delegator>`` (a
    leader's own tasks)."""
    return f"{UNIT}:{unit_code}" if unit_code else f"{PERSON}:{delegator}"


def case_audience(
    tasks: Iterable[HeldTask],
    *,
    drafter: str = "",
    deputies: Mapping[str, Iterable[str]] | None = None,
    acted: Iterable[str] = (),
) -> list[str]:
    """The principals of a case's document (sorted), by the rule of this module's docstring. ``deputies``: the
    agency's delegations in force now, :func:`deputies_key` → the deputies' subjects; ``acted``: the subjects of
    the deputies who took a step of the case under a delegation."""
    found: set[str] = set()
    deputies = deputies or {}
    leaders_deputies = {d for key, subjects in deputies.items() if key.startswith(f"{PERSON}:") for d in subjects}
    for task in tasks:
        if task.state == CANCELLED:
            continue
        found.add(f"{_PREFIX.get(task.assignee_kind, task.assignee_kind)}:{task.assignee}")
        if task.unit_code:
            found.add(f"{UNIT}:{task.unit_code}")
        if task.state not in OPEN_STATES:
            continue
        if task.assignee_kind == ROLE:
            may_act: Iterable[str] = leaders_deputies if task.assignee == LEADERS else ()
        else:
            may_act = deputies.get(f"{task.assignee_kind}:{task.assignee}", ())
        found.update(f"user:{d}" for d in may_act)
    found.update(f"user:{s}" for s in acted if s)
    if drafter:
        found.add(f"user:{drafter}")
    return sorted(found)
