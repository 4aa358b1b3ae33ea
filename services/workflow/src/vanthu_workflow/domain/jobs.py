"""Assigned work (giao việc, issue 13 item 3): a job not tied to a document — a report to prepare, a meeting to
organise — given by a leader to units and people of the agency, or by the head of a unit to people of that unit, with a
deadline; its lead may give sub-jobs (việc con) to people of the lead's unit, at most :data:`MAX_DEPTH` levels below
a top-level job.

A job is a case of kind :data:`JOB`: it moves through the same :class:`~vanthu_workflow.domain.incoming.State` by the
same transition table (:func:`~vanthu_workflow.domain.incoming.next_state`), with the same task kinds, inbox and
append-only history as an incoming document's processing; its giver takes the leaders' part (reassign, recall,
decide an extension, receive a return). This module holds what is particular to jobs: who may give one, within which
unit, how deep, and the result's files. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from vanthu_core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from vanthu_workflow.domain.incoming import (
    PERSON,
    STATE_NAMES,
    Party,
    State,
    check_text,
    party_words,
    unit_words,
)

#: The case kind of assigned work.
JOB = "job"
#: A sub-job's level below its top-level job (0): at most this many levels.
MAX_DEPTH = 3
MAX_TITLE = 500
#: Files attached to a result: at most this many storage object ids.
MAX_FILES = 20
_FILE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
#: The states in which a job is being worked on: its lead may give sub-jobs, and an open sub-job holds up its parent's
#: completion.
WORKING = frozenset({State.ASSIGNED, State.IN_PROGRESS, State.EXTENSION_REQUESTED})


def check_title(value: str) -> str:
    """The job's title (tên công việc): NFC, stripped, 1–:data:`MAX_TITLE` characters."""
    return check_text(value, "title", required=True, limit=MAX_TITLE)


def check_file_ids(ids: Iterable[str]) -> list[str]:
    """The storage object ids attached to a result: at most :data:`MAX_FILES`, each 1–64 characters of letters,
    digits and ``._:-``, none twice (InvalidArgument otherwise). Whether the caller may read each file is the storage
    service's to say when it is opened."""
    found = [i.strip() for i in ids]
    if len(found) > MAX_FILES:
        raise InvalidArgument("result_file_ids", f"tối đa {MAX_FILES} tệp.")
    for n, file_id in enumerate(found):
        if not _FILE_ID.match(file_id):
            raise InvalidArgument(f"result_file_ids[{n}]", "không phải mã của tệp đã lưu.")
    if len(set(found)) != len(found):
        raise InvalidArgument("result_file_ids", "một tệp bị chọn hai lần.")
    return found


def check_within(unit: str, parties: Sequence[Party], members: Mapping[str, frozenset[str]],
                 unit_names: Mapping[str, str] | None = None) -> None:
    """Within ``unit`` (a head's job, a sub-job) work goes to people of that unit only: every party a person among
    ``members[unit]`` (subjects). PermissionDenied naming the unit (by its name in ``unit_names``) and the party in
    words otherwise; no unit: nothing to check."""
    if not unit:
        return
    people = members.get(unit, frozenset())
    for party in parties:
        if party.kind != PERSON or party.id not in people:
            raise PermissionDenied(f"Việc này chỉ giao cho người trong {unit_words(unit, unit_names)} "
                                   f"({party_words(party)} không thuộc đơn vị này).")


def giving_unit(*, is_leader: bool, is_head: bool, head_of: Iterable[str], parties: Sequence[Party],
                members: Mapping[str, frozenset[str]], unit_names: Mapping[str, str] | None = None) -> str:
    """The unit a new top-level job stays within: none ("") for a leader (lãnh đạo), who gives work to any unit or
    person of the agency; for the head of a unit (trưởng đơn vị), the unit they head whose people are all the
    parties. PermissionDenied for anyone else, or for a head naming someone outside their units (Decree 30/2020
    Art. 24: the leader directs the agency's work, the head the unit's)."""
    if is_leader:
        return ""
    units = sorted(head_of)
    if not is_head or not units:
        raise PermissionDenied("Chỉ lãnh đạo, hoặc trưởng đơn vị trong đơn vị mình, mới giao việc.")
    for unit in units:
        if all(p.kind == PERSON and p.id in members.get(unit, frozenset()) for p in parties):
            return unit
    raise PermissionDenied(f"Là trưởng đơn vị {', '.join(unit_words(u, unit_names) for u in units)}, đồng chí chỉ "
                           "giao việc cho người trong đơn vị.")


def check_depth(parent_depth: int) -> int:
    """A sub-job's depth (its parent's + 1); FailedPrecondition beyond :data:`MAX_DEPTH`."""
    depth = parent_depth + 1
    if depth > MAX_DEPTH:
        raise FailedPrecondition(f"Việc con chỉ lồng tối đa {MAX_DEPTH} cấp: việc này đã ở cấp {parent_depth}.")
    return depth


def check_parent_working(state: State) -> None:
    """A sub-job is given while its parent is being worked on; FailedPrecondition naming the parent's state."""
    if state not in WORKING:
        raise FailedPrecondition(f"Việc đang ở trạng thái {STATE_NAMES[state]}: chỉ giao việc con khi việc ở trạng "
                                 "thái " + ", ".join(STATE_NAMES[s] for s in State if s in WORKING))
