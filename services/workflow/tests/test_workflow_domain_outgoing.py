"""The outgoing circuit's definition and transition table, pure."""

from pathlib import Path

import pytest

from vanthu_core.errors import FailedPrecondition
from vanthu_workflow.domain.outgoing import (
    OUT_STATE_NAMES,
    OVERRIDE_ENV,
    TRANSITIONS,
    Circuit,
    CircuitDefinitionError,
    OutAction,
    OutState,
    Step,
    default_definition,
    load_definition,
    next_state,
)

pytestmark = pytest.mark.unit

FULL = Circuit(1, (Step("review", "head"), Step("consult", "head"), Step("sign", "leader"), Step("issue", "clerk")))
SHORT = Circuit(1, (Step("sign", "leader"), Step("issue", "clerk")))

GOOD = """\
version: 4
default:
  - {step: review, role: head}
  - {step: sign, role: leader}
  - {step: issue, role: clerk}
types:
  quyet_dinh:
    - {step: review, role: leader}
    - {step: consult, role: head}
    - {step: sign, role: leader}
    - {step: issue, role: clerk}
agencies:
  "000.00.02.H61":
    default:
      - {step: sign, role: head}
      - {step: issue, role: clerk}
    types:
      to_trinh:
        - {step: review, role: head}
        - {step: sign, role: leader}
        - {step: issue, role: clerk}
"""


def test_the_shipped_definition_loads_with_a_default_and_a_type_override() -> None:
    definition = default_definition({})
    assert definition.version >= 1
    assert [s.name for s in definition.circuit("000.00.00.H61", "cong_van").steps] == [
        "review", "consult", "sign", "issue"]
    assert not definition.circuit("000.00.00.H61", "to_trinh").has("consult")


def test_the_circuit_is_chosen_by_agency_and_type_before_the_type_and_the_default() -> None:
    definition = load_definition(GOOD, "good.yaml")
    assert definition.circuit("000.00.00.H61", "cong_van").steps == (
        Step("review", "head"), Step("sign", "leader"), Step("issue", "clerk"))
    assert definition.circuit("000.00.00.H61", "quyet_dinh").role("review") == "leader"
    assert definition.circuit("000.00.02.H61", "quyet_dinh").role("sign") == "head"  # the agency's default first
    assert definition.circuit("000.00.02.H61", "to_trinh").role("sign") == "leader"
    assert {c.version for c in (definition.default, *definition.types.values())} == {4}


def test_a_stored_circuit_round_trips() -> None:
    assert Circuit.from_data(FULL.to_data()) == FULL


def test_the_operator_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "circuits.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert default_definition({OVERRIDE_ENV: str(path)}).version == 4
    with pytest.raises(CircuitDefinitionError, match="cannot read"):
        default_definition({OVERRIDE_ENV: str(tmp_path / "missing.yaml")})


@pytest.mark.parametrize(("text", "line", "message"), [
    ("version: 1\ndefault:\n  - {step: sign, role: leader}\n  - {step: issue, role: clerk}\nextra: 1\n", 5,
     "unknown key 'extra'"),
    ("version: zero\ndefault:\n  - {step: sign, role: leader}\n  - {step: issue, role: clerk}\n", 1,
     "version must be a whole number"),
    ("version: 1\ndefault:\n  - {step: sign, role: leader}\n  - {step: approve, role: clerk}\n", 4,
     "unknown step 'approve'"),
    ("version: 1\ndefault:\n  - {step: sign, role: officer}\n  - {step: issue, role: clerk}\n", 3,
     "cannot be done by role 'officer'"),
    ("version: 1\ndefault:\n  - {step: sign, role: leader}\n  - {step: review, role: head}\n"
     "  - {step: issue, role: clerk}\n", 4, "out of order"),
    ("version: 1\ndefault:\n  - {step: review, role: head}\n  - {step: sign, role: leader}\n", 3,
     "lacks the step(s) issue"),
    ("version: 1\ndefault:\n  - {step: sign}\n  - {step: issue, role: clerk}\n", 3, "needs both step and role"),
    ("version: 1\ndefault:\n  - {step: sign, role: leader}\n  - {step: issue, role: clerk}\n"
     "agencies:\n  X:\n    signers: []\n", 7, "unknown key 'signers' in agencies.X"),
    ("version: 1\ndefault: [\n", 3, "not valid YAML"),
    ("version: 1\n", 1, "needs version"),
])
def test_a_bad_definition_is_refused_naming_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(CircuitDefinitionError) as caught:
        load_definition(text, "bad.yaml")
    assert str(caught.value).startswith(f"bad.yaml:{line}: "), str(caught.value)
    assert message in str(caught.value)


def test_an_empty_definition_is_refused() -> None:
    with pytest.raises(CircuitDefinitionError, match="empty file"):
        load_definition("", "empty.yaml")


def test_every_legal_step_of_the_table() -> None:
    assert next_state(None, OutAction.START, FULL) == OutState.IN_REVIEW
    assert next_state(None, OutAction.START, SHORT) == OutState.APPROVED  # no review step: straight to the drafter
    assert next_state(OutState.IN_REVIEW, OutAction.RETURN, FULL) == OutState.RETURNED
    assert next_state(OutState.RETURNED, OutAction.RESEND, FULL) == OutState.IN_REVIEW
    assert next_state(OutState.IN_REVIEW, OutAction.APPROVE, FULL) == OutState.APPROVED
    assert next_state(OutState.IN_REVIEW, OutAction.APPROVE, FULL, consult=True) == OutState.CONSULTING
    assert next_state(OutState.CONSULTING, OutAction.ANSWER, FULL) == OutState.CONSULTING
    assert next_state(OutState.CONSULTING, OutAction.ANSWER, FULL, last_answer=True) == OutState.APPROVED
    assert next_state(OutState.APPROVED, OutAction.SUBMIT, FULL) == OutState.SUBMITTED
    assert next_state(OutState.SUBMITTED, OutAction.SIGN, FULL) == OutState.SIGNED
    assert next_state(OutState.SIGNED, OutAction.ISSUE, FULL) == OutState.ISSUED


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_illegal_step_is_refused_naming_the_state(action: OutAction) -> None:
    for state in set(OutState) - TRANSITIONS[action]:
        with pytest.raises(FailedPrecondition, match=f"Dự thảo đang ở trạng thái {OUT_STATE_NAMES[state]}: "):
            next_state(state, action, FULL)


def test_a_started_draft_is_not_started_again_and_consultation_needs_the_step() -> None:
    with pytest.raises(FailedPrecondition, match="đã ở trong quy trình"):
        next_state(OutState.SIGNED, OutAction.START, FULL)
    no_consult = Circuit(2, (Step("review", "head"), Step("sign", "leader"), Step("issue", "clerk")))
    with pytest.raises(FailedPrecondition, match="phiên bản 2\\) không có bước xin ý kiến"):
        next_state(OutState.IN_REVIEW, OutAction.APPROVE, no_consult, consult=True)
