"""The outgoing circuit (quy trình văn bản đi) as a state machine: an explicit transition table driven by a small,
versioned, declarative circuit definition (YAML data, not code).

Decree 30/2020 Art. 10–14 (regulations digest §3.4), issue 13 item 2: the officer drafts; the drafting unit's head
reviews the draft (approves it, or returns it with comments); other units may be consulted in parallel (each one's
head answers with an opinion, the circuit goes on when all have answered); the drafter then submits it for
signature (the registry's ``SubmitDocument``: only the drafter may); the competent person signs (``SignDocument``);
the clerk issues it (``IssueDocument``), and interchange sends it on the issued event.

Which steps and which roles: a :class:`Circuit` chosen by :meth:`Definition.circuit` for the agency and the document
type. A case stores the circuit it started with (its steps and the definition's version), so changing the definition
never changes a running case. Pure: no I/O, no clock; :func:`load_definition` reads text, the caller the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from vanthu_core.errors import FailedPrecondition


class OutState(StrEnum):
    """The outgoing case's state."""

    IN_REVIEW = "in_review"  # chờ duyệt: on the reviewer's desk
    RETURNED = "returned"  # trả lại dự thảo: back with the drafter, with comments
    CONSULTING = "consulting"  # đang lấy ý kiến: the consulted units answer
    APPROVED = "approved"  # đã duyệt: the drafter submits it for signature
    SUBMITTED = "submitted"  # đã trình ký: on the signer's desk
    SIGNED = "signed"  # đã ký: the clerk issues it
    ISSUED = "issued"  # đã ban hành (interchange sends it)
    WITHDRAWN = "withdrawn"  # dừng quy trình: the document was cancelled in the registry (final)


OUT_STATE_NAMES: Mapping[OutState, str] = {
    OutState.IN_REVIEW: "chờ duyệt", OutState.RETURNED: "trả lại dự thảo", OutState.CONSULTING: "đang lấy ý kiến",
    OutState.APPROVED: "đã duyệt, chờ trình ký", OutState.SUBMITTED: "đã trình ký", OutState.SIGNED: "đã ký",
    OutState.ISSUED: "đã ban hành", OutState.WITHDRAWN: "đã hủy, dừng quy trình"}


class OutAction(StrEnum):
    START = "start"  # gửi dự thảo: the drafter puts the draft into the circuit
    APPROVE = "approve"  # duyệt
    RETURN = "return_draft"  # trả lại dự thảo
    RESEND = "resend"  # gửi lại dự thảo sau khi sửa
    ANSWER = "answer"  # cho ý kiến (a consulted unit)
    SUBMIT = "submit_for_signature"  # trình ký
    SIGN = "sign"  # ký
    DECLINE = "return_unsigned"  # trả lại, không ký: the signer sends the submitted draft back to its drafter
    ISSUE = "issue"  # ban hành
    WITHDRAW = "withdraw"  # dừng quy trình: the registry cancelled the document (its clerk or a leader)


#: What the refusals call the circuit's actions (the clerks' words): a person reads them, never the codes.
OUT_ACTION_NAMES: Mapping[OutAction, str] = {
    OutAction.START: "gửi dự thảo", OutAction.APPROVE: "duyệt", OutAction.RETURN: "trả lại dự thảo",
    OutAction.RESEND: "gửi lại dự thảo", OutAction.ANSWER: "cho ý kiến", OutAction.SUBMIT: "trình ký",
    OutAction.SIGN: "ký số", OutAction.DECLINE: "trả lại, không ký", OutAction.ISSUE: "ban hành",
    OutAction.WITHDRAW: "dừng quy trình"}


class OutTaskKind(StrEnum):
    REVIEW = "review"  # the reviewer's
    CONSULT = "consult"  # a consulted unit's
    DRAFT = "draft"  # the drafter's: rework a returned draft, or submit an approved one for signature
    SIGN = "sign"
    ISSUE = "issue"


#: Every step: from-states → the state it leads to. ``START`` has no from-state (the case is new); where the target
#: depends on the circuit (no review step; consultation asked or not; the last answer) :func:`next_state` says.
TRANSITIONS: Mapping[OutAction, frozenset[OutState]] = {
    OutAction.APPROVE: frozenset({OutState.IN_REVIEW}),
    OutAction.RETURN: frozenset({OutState.IN_REVIEW}),
    OutAction.RESEND: frozenset({OutState.RETURNED}),
    OutAction.ANSWER: frozenset({OutState.CONSULTING}),
    OutAction.SUBMIT: frozenset({OutState.APPROVED}),
    OutAction.SIGN: frozenset({OutState.SUBMITTED}),
    OutAction.DECLINE: frozenset({OutState.SUBMITTED}),
    OutAction.ISSUE: frozenset({OutState.SIGNED}),
    OutAction.WITHDRAW: frozenset(OutState) - {OutState.ISSUED, OutState.WITHDRAWN},
}


def next_state(state: OutState | None, action: OutAction, circuit: Circuit, *, consult: bool = False,
               last_answer: bool = False) -> OutState:
    """The case's state after ``action`` from ``state`` (None: no case yet), under ``circuit``.

    ``consult``: the reviewer asks other units (approve only; the circuit must have a consult step);
    ``last_answer``: this answer is the last one awaited. :class:`FailedPrecondition` naming the current state when
    the table has no such step.
    """
    if action == OutAction.START:
        if state is not None:
            raise FailedPrecondition(f"Dự thảo đã ở trong quy trình ({OUT_STATE_NAMES[state]}).")
        return OutState.IN_REVIEW if circuit.has("review") else OutState.APPROVED
    allowed = TRANSITIONS[action]
    if state is None or state not in allowed:
        now = OUT_STATE_NAMES[state] if state else "chưa vào quy trình"
        starts = ", ".join(OUT_STATE_NAMES[s] for s in OutState if s in allowed)
        raise FailedPrecondition(f"Dự thảo đang ở trạng thái {now}: thao tác “{OUT_ACTION_NAMES[action]}” chỉ làm "
                                 f"được khi dự thảo ở trạng thái {starts}. Hãy tải lại trang để xem trạng thái mới.")
    if action == OutAction.APPROVE:
        if consult and not circuit.has("consult"):
            raise FailedPrecondition(f"Quy trình của văn bản này (phiên bản {circuit.version}) không có bước xin ý "
                                     "kiến: hãy duyệt mà không chọn đơn vị.")
        return OutState.CONSULTING if consult else OutState.APPROVED
    if action == OutAction.ANSWER:
        return OutState.APPROVED if last_answer else OutState.CONSULTING
    if action == OutAction.RESEND and not circuit.has("review"):
        return OutState.APPROVED  # returned at signing, in a circuit without review: the drafter submits again
    return {OutAction.RETURN: OutState.RETURNED, OutAction.DECLINE: OutState.RETURNED,
            OutAction.RESEND: OutState.IN_REVIEW,
            OutAction.SUBMIT: OutState.SUBMITTED, OutAction.SIGN: OutState.SIGNED,
            OutAction.ISSUE: OutState.ISSUED, OutAction.WITHDRAW: OutState.WITHDRAWN}[action]


# -- the definition ---------------------------------------------------------------------------------------------
STEP_ORDER = ("review", "consult", "sign", "issue")
REQUIRED_STEPS = frozenset({"sign", "issue"})
#: Which token roles may hold each step (the access table's entries allow these roles).
STEP_ROLES: Mapping[str, frozenset[str]] = {
    "review": frozenset({"head", "leader"}), "consult": frozenset({"head"}),
    "sign": frozenset({"leader", "head"}), "issue": frozenset({"clerk"})}
#: Environment variable naming the operator's definition file (same shape as the shipped one).
OVERRIDE_ENV = "VANTHU_WORKFLOW_CIRCUITS_FILE"
_DATA_FILE = "outgoing_circuits.yaml"
MAX_KEY = 64


class CircuitDefinitionError(ValueError):
    """The circuit definition is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Step:
    name: str
    role: str


@dataclass(frozen=True)
class Circuit:
    """The steps one document follows and the definition version they came from."""

    version: int
    steps: tuple[Step, ...]

    def has(self, step: str) -> bool:
        return any(s.name == step for s in self.steps)

    def role(self, step: str) -> str:
        """The role that acts at ``step``; KeyError when the circuit has no such step."""
        for s in self.steps:
            if s.name == step:
                return s.role
        raise KeyError(step)

    def to_data(self) -> dict[str, Any]:
        """What a case stores: ``{"version": n, "steps": [{"step": name, "role": role}, …]}``."""
        return {"version": self.version, "steps": [{"step": s.name, "role": s.role} for s in self.steps]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Circuit:
        return cls(int(data["version"]), tuple(Step(s["step"], s["role"]) for s in data["steps"]))


@dataclass(frozen=True)
class Definition:
    """A parsed definition: the default circuit, per-type ones, and per-agency ones (a default and per-type)."""

    version: int
    default: Circuit
    types: Mapping[str, Circuit]
    agencies: Mapping[str, tuple[Circuit | None, Mapping[str, Circuit]]]
    origin: str = ""

    def circuit(self, agency_code: str, type_code: str) -> Circuit:
        """The circuit for a document of type ``type_code`` of ``agency_code``: the agency's for the type, else the
        agency's default, else the type's, else the default."""
        agency_default, agency_types = self.agencies.get(agency_code, (None, {}))
        return agency_types.get(type_code) or agency_default or self.types.get(type_code) or self.default


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _fail(origin: str, node: yaml.Node, message: str) -> CircuitDefinitionError:
    return CircuitDefinitionError(f"{origin}:{_line(node)}: {message}")


def _scalar(origin: str, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(origin, node, f"{what} must be a single value")
    return str(node.value)


def _mapping(origin: str, node: yaml.Node, what: str, keys: frozenset[str] | None = None,
             ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(origin, node, f"{what} must be a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        name = _scalar(origin, key, f"a key of {what}")
        if keys is not None and name not in keys:
            raise _fail(origin, key, f"unknown key {name!r} in {what} (expected {', '.join(sorted(keys))})")
        if name in out:
            raise _fail(origin, key, f"{name!r} is given twice in {what}")
        if not name or len(name) > MAX_KEY:
            raise _fail(origin, key, f"{what}: a key of 1–{MAX_KEY} characters")
        out[name] = (key, value)
    return out


def _circuit(origin: str, node: yaml.Node, version: int, what: str) -> Circuit:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _fail(origin, node, f"{what} must be a list of steps ({{step: …, role: …}})")
    steps: list[Step] = []
    for item in node.value:
        fields = _mapping(origin, item, f"a step of {what}", frozenset({"step", "role"}))
        if "step" not in fields or "role" not in fields:
            raise _fail(origin, item, f"a step of {what} needs both step and role")
        name = _scalar(origin, fields["step"][1], "step")
        role = _scalar(origin, fields["role"][1], "role")
        if name not in STEP_ROLES:
            raise _fail(origin, fields["step"][1], f"unknown step {name!r} (one of {', '.join(STEP_ORDER)})")
        if role not in STEP_ROLES[name]:
            raise _fail(origin, fields["role"][1], f"step {name} cannot be done by role {role!r} (one of "
                                                   f"{', '.join(sorted(STEP_ROLES[name]))})")
        if steps and STEP_ORDER.index(name) <= STEP_ORDER.index(steps[-1].name):
            raise _fail(origin, item, f"step {name} is out of order or repeated in {what} (the order is "
                                      f"{' → '.join(STEP_ORDER)}, each at most once)")
        steps.append(Step(name, role))
    missing = REQUIRED_STEPS - {s.name for s in steps}
    if missing:
        raise _fail(origin, node, f"{what} lacks the step(s) {', '.join(sorted(missing))}")
    return Circuit(version, tuple(steps))


def _type_circuits(origin: str, node: yaml.Node, version: int, what: str) -> dict[str, Circuit]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return {}
    return {name: _circuit(origin, value, version, f"{what}.{name}")
            for name, (_, value) in _mapping(origin, node, what).items()}


def load_definition(text: str, origin: str = "<data>") -> Definition:
    """Parse a circuit definition (YAML text; shape and comments in ``vanthu_workflow/data/outgoing_circuits.yaml``).

    Raises :class:`CircuitDefinitionError` naming ``origin:line`` and what is wrong: unknown keys, a missing or
    non-positive ``version``, unknown steps or roles, steps out of order or repeated, a circuit without sign or
    issue.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CircuitDefinitionError(f"{origin}{line}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if root is None:
        raise CircuitDefinitionError(f"{origin}: empty file (expected version, default, types, agencies)")
    top = _mapping(origin, root, "the definition", frozenset({"version", "default", "types", "agencies"}))
    if "version" not in top or "default" not in top:
        raise _fail(origin, root, "the definition needs version (a whole number ≥ 1) and default (a circuit)")
    raw = _scalar(origin, top["version"][1], "version")
    if not raw.isdigit() or int(raw) < 1:
        raise _fail(origin, top["version"][1], f"version must be a whole number ≥ 1, not {raw!r}")
    version = int(raw)
    default = _circuit(origin, top["default"][1], version, "default")
    types = _type_circuits(origin, top["types"][1], version, "types") if "types" in top else {}
    agencies: dict[str, tuple[Circuit | None, Mapping[str, Circuit]]] = {}
    if "agencies" in top:
        for code, (_, node) in _mapping(origin, top["agencies"][1], "agencies").items():
            fields = _mapping(origin, node, f"agencies.{code}", frozenset({"default", "types"}))
            own = _circuit(origin, fields["default"][1], version, f"agencies.{code}.default") \
                if "default" in fields else None
            own_types = _type_circuits(origin, fields["types"][1], version, f"agencies.{code}.types") \
                if "types" in fields else {}
            agencies[code] = (own, own_types)
    return Definition(version, default, types, agencies, origin)


def default_definition(environ: Mapping[str, str] | None = None) -> Definition:
    """The operator's definition (:data:`OVERRIDE_ENV` names the file) or the one shipped with the package."""
    env = os.environ if environ is None else environ
    override = env.get(OVERRIDE_ENV, "").strip()
    if override:
        path = Path(override)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CircuitDefinitionError(f"{path}: cannot read the circuit definition ({OVERRIDE_ENV}): "
                                         f"{error.strerror}") from None
        return load_definition(text, str(path))
    shipped = resources.files("vanthu_workflow").joinpath("data", _DATA_FILE)
    return load_definition(shipped.read_text(encoding="utf-8"), f"vanthu_workflow/data/{_DATA_FILE}")
