"""Ủy quyền's competence, pure (Decree 30/2020 Art. 13, regulations digest §3.4): KT. (ký thay) is a deputy of the
agency's head signing for them, so only a leader's own tasks given to another leader carry it; everyone else signs
TUQ. (thừa ủy quyền)."""

from __future__ import annotations

import pytest

from vanthu_core.errors import InvalidArgument, PermissionDenied
from vanthu_workflow.domain.delegation import ActingFor, check_competence, check_signs_under

pytestmark = pytest.mark.unit
LEADER, HEAD, OFFICER = frozenset({"leader"}), frozenset({"head"}), frozenset({"officer"})


def test_kt_is_a_leaders_own_tasks_given_to_another_leader() -> None:
    assert check_competence("KT.", unit="", deputy_roles=LEADER) == "KT."
    assert check_competence(" ", unit="", deputy_roles=HEAD) == "TUQ."  # the default
    assert check_competence("TUQ.", unit="", deputy_roles=OFFICER) == "TUQ."
    assert check_competence("TUQ.", unit="TH", deputy_roles=OFFICER) == "TUQ."


@pytest.mark.parametrize(
    ("unit", "roles", "words"),
    [
        ("", HEAD, "không phải lãnh đạo cơ quan"),  # a head of a unit is not the agency head's deputy
        ("", OFFICER, "không phải lãnh đạo cơ quan"),
        ("TH", OFFICER, "việc của đơn vị ủy quyền theo 'TUQ.'"),  # nobody signs KT. for a unit's head
        ("TH", LEADER, "việc của đơn vị ủy quyền theo 'TUQ.'"),
    ],
)
def test_kt_is_refused_to_anyone_not_deputising_for_the_agencys_head(
    unit: str, roles: frozenset[str], words: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        check_competence("KT.", unit=unit, deputy_roles=roles)
    assert refused.value.field == "competence" and words in refused.value.reason
    assert "Điều 13" in refused.value.reason


def test_a_kt_delegation_recorded_before_the_rule_does_not_let_a_non_leader_sign() -> None:
    kt = ActingFor(
        delegation_id="d1",
        delegator="s-leader",
        delegator_username="lanhdao.ubnd",
        competence="KT.",
        delegator_name="Nguyễn Văn Hưởng",
    )
    check_signs_under(kt, LEADER)
    check_signs_under(None, HEAD)  # in one's own right
    check_signs_under(ActingFor("d2", "s-leader", "lanhdao.ubnd", competence="TUQ."), HEAD)
    with pytest.raises(PermissionDenied, match="Nguyễn Văn Hưởng"):
        check_signs_under(kt, HEAD)
