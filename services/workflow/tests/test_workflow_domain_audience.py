"""Who a case gives its document to (vanthu_workflow.domain.audience): the holders of its tasks, the deputies who may
act on its open tasks under the delegations in force, and the deputies who acted on it."""

from __future__ import annotations

import pytest

from vanthu_workflow.domain.audience import HeldTask, case_audience, deputies_key

pytestmark = pytest.mark.unit
LEADER, OTHER_LEADER, DEPUTY, UNIT_DEPUTY = "s-leader", "s-leader-2", "s-deputy", "s-unit-deputy"
IN_FORCE = {deputies_key(LEADER, ""): (DEPUTY,), deputies_key("s-head", "TH"): (UNIT_DEPUTY,)}


def test_a_leaders_deputy_is_given_the_arrival_submitted_to_that_leader_and_no_other() -> None:
    mine = [HeldTask("person", LEADER, "", "open")]
    assert case_audience(mine, deputies=IN_FORCE) == [f"user:{DEPUTY}", f"user:{LEADER}"]
    theirs = [HeldTask("person", OTHER_LEADER, "", "open")]
    assert case_audience(theirs, deputies=IN_FORCE) == [f"user:{OTHER_LEADER}"]


def test_a_leaders_deputy_is_given_what_the_leaders_role_holds() -> None:
    assert case_audience([HeldTask("role", "leader", "", "open")], deputies=IN_FORCE) == [
        "role:leader",
        f"user:{DEPUTY}",
    ]
    assert case_audience([HeldTask("role", "clerk", "", "open")], deputies=IN_FORCE) == ["role:clerk"]


def test_a_units_deputy_is_given_the_units_open_task() -> None:
    assert case_audience([HeldTask("unit", "TH", "", "in_progress")], deputies=IN_FORCE) == [
        "unit:TH",
        f"user:{UNIT_DEPUTY}",
    ]
    assert case_audience([HeldTask("unit", "NC", "", "open")], deputies=IN_FORCE) == ["unit:NC"]


def test_no_delegation_in_force_gives_nothing_and_a_finished_task_none_to_a_deputy() -> None:
    tasks = [HeldTask("person", LEADER, "", "open")]
    assert case_audience(tasks, deputies={}) == [f"user:{LEADER}"]  # pending, ended or revoked: not in force
    done = [HeldTask("person", LEADER, "", "done"), HeldTask("unit", "TH", "", "cancelled")]
    assert case_audience(done, deputies=IN_FORCE) == [f"user:{LEADER}"]


def test_a_deputy_who_acted_keeps_the_document_after_the_delegation() -> None:
    tasks = [HeldTask("person", LEADER, "", "done"), HeldTask("unit", "TH", "", "open")]
    assert case_audience(tasks, deputies={}, acted=[DEPUTY]) == ["unit:TH", f"user:{DEPUTY}", f"user:{LEADER}"]


def test_an_outgoing_drafter_and_the_unit_a_reassignment_came_from_stay() -> None:
    tasks = [HeldTask("person", "s-officer", "TH", "open")]
    assert case_audience(tasks, drafter="s-drafter") == ["unit:TH", "user:s-drafter", "user:s-officer"]
