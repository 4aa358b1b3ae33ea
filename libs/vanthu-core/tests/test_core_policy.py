"""The access table (:mod:`vanthu_core.policy`): it lists every method of every service in the protos and nothing
else, its cases narrow and never widen, a method's callers may call what it forwards their token to, and
:func:`~vanthu_core.policy.require` lets exactly the callers an entry names through."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import vanthu
from vanthu_core import policy
from vanthu_core.auth import ROLES, Principal, reset_principal, set_principal
from vanthu_core.clients import GATEWAY, INTERCHANGE, REGISTRY, SERVICE_CLIENTS, SIGNING, WORKFLOW, service_account
from vanthu_core.errors import PermissionDenied

pytestmark = pytest.mark.unit

UBND = "000.00.00.H61"


def proto_methods() -> set[str]:
    """``vanthu.<svc>.v1.<Service>/<Method>`` of every service of every generated module."""
    found: set[str] = set()
    for root in map(Path, vanthu.__path__):  # protoc's packages have no __init__.py: walk the files
        for path in sorted(root.rglob("*_pb2.py")):
            name = ".".join(("vanthu", *path.relative_to(root).with_suffix("").parts))
            for service in importlib.import_module(name).DESCRIPTOR.services_by_name.values():
                found.update(f"{service.full_name}/{method.name}" for method in service.methods)
    return found


def test_the_table_lists_every_method_of_every_service_in_the_protos_and_nothing_else() -> None:
    methods = proto_methods()
    services = {m.split("/")[0] + "/" for m in methods}
    assert services >= {policy.REGISTRY, policy.DOCUMENTS, policy.SIGNING, policy.STORAGE}, "stubs missing (make proto)"
    assert sorted(methods - set(policy.TABLE)) == [], "methods the access table does not list"
    assert sorted(set(policy.TABLE) - methods) == [], "entries for methods no proto declares"


@pytest.mark.parametrize("method", sorted(policy.TABLE))
def test_each_entry_names_known_roles_and_clients_and_its_cases_only_narrow_it(method: str) -> None:
    entry = policy.TABLE[method]
    assert entry.roles <= ROLES and entry.clients <= SERVICE_CLIENTS and entry.vouched_by <= SERVICE_CLIENTS
    assert not entry.vouched_by or entry.roles or entry.any_person, "a voucher vouches for a person's call"
    assert entry.roles or entry.any_person or entry.anyone or entry.clients or entry.peers, \
        "an entry that admits nobody"
    for case, roles in entry.cases.items():
        assert roles and roles <= entry.person_roles, f"case {case} widens the entry"
    assert entry.person_roles == (ROLES if entry.any_person or entry.anyone else entry.roles)


@pytest.mark.parametrize("method", sorted(m for m, e in policy.TABLE.items() if e.forwards))
def test_whoever_may_call_a_method_may_call_what_it_forwards_their_token_to(method: str) -> None:
    entry = policy.TABLE[method]
    for forwarded in entry.forwards:
        target = policy.access(forwarded)
        assert entry.person_roles <= target.person_roles, f"{forwarded} refuses some callers of {method}"
        assert target.anyone or entry.clients - entry.served_onward <= target.clients
    assert entry.served_onward <= entry.clients


def person(*roles: str, agency: str | None = UBND) -> Principal:
    return Principal(subject="s-1", username="someone", name="Someone", agency=agency, roles=frozenset(roles),
                     token="t", client_id="vanthu-web")


def service(client: str) -> Principal:
    return Principal(subject=f"sa-{client}", username=service_account(client), name="", agency=None,
                     roles=frozenset(), token="t", client_id=client, service=True)


@pytest.fixture
def acting() -> Iterator[object]:
    """``acting(principal, method)``: make ``principal`` the caller of ``method``, as the interceptor does."""
    tokens: list[tuple[object, object]] = []

    def act(principal: Principal, method: str) -> None:
        tokens.append((set_principal(principal), policy.enter(method)))

    yield act
    for principal_token, method_token in reversed(tokens):
        policy.leave(method_token)  # type: ignore[arg-type]
        reset_principal(principal_token)  # type: ignore[arg-type]


def test_require_gives_a_person_of_an_allowed_role_and_their_agency(acting) -> None:  # type: ignore[no-untyped-def]
    acting(person("leader"), policy.DOCUMENTS + "SignDocument")
    caller = policy.require()
    assert caller.agency == UBND and caller.principal.roles == {"leader"}


@pytest.mark.parametrize(("principal", "method"), [
    (person("officer"), policy.DOCUMENTS + "SignDocument"),  # a role the entry does not name
    (person(), policy.DOCUMENTS + "GetDocument"),  # no role at all
    (person("leader", agency=None), policy.DOCUMENTS + "SignDocument"),  # no agency
    (person("clerk"), policy.STORAGE + "AddReference"),  # for services only
    (service(GATEWAY), policy.DOCUMENTS + "CreateDocument"),  # a client the entry does not name
    (service(REGISTRY), policy.STORAGE + "Download"),
    (service(SIGNING), policy.REGISTRY + "UpsertAgency"),  # no service changes the directory
    (person(*ROLES), policy.FEDERATION + "SubmitPackage"),  # federation: peers over mTLS, never a token
    (service(INTERCHANGE), policy.FEDERATION + "ListAgencies"),
    # workflow refers to a task's result files, nothing more (the caller's own token reads them)
    (service(WORKFLOW), policy.STORAGE + "Download"),
    (service(WORKFLOW), policy.STORAGE + "Upload"),
    (service(WORKFLOW), policy.STORAGE + "Delete"),
])
def test_require_refuses_whom_the_entry_does_not_name(acting, principal: Principal,  # type: ignore[no-untyped-def]
                                                       method: str) -> None:
    acting(principal, method)
    with pytest.raises(PermissionDenied):
        policy.require()
    assert not policy.access(method).allows(principal)


@pytest.mark.parametrize(("principal", "method"), [
    (service(INTERCHANGE), policy.DOCUMENTS + "CreateDocument"),
    (service(GATEWAY), policy.STORAGE + "Stat"),
    (service(SIGNING), policy.STORAGE + "AddReference"),
    (service(WORKFLOW), policy.STORAGE + "AddReferences"),  # a task's result files (workflow/task/<id>)
    (service(WORKFLOW), policy.STORAGE + "ReleaseReference"),
    (person(agency=None), policy.REGISTRY + "GetAgency"),  # the directory: anyone authenticated
    (service(REGISTRY), policy.SIGNING + "Verify"),
    (person(), policy.STORAGE + "Upload"),  # files: any person of an agency, whatever their roles
])
def test_require_lets_through_whom_the_entry_names(acting, principal: Principal,  # type: ignore[no-untyped-def]
                                                    method: str) -> None:
    acting(principal, method)
    assert policy.require().principal is principal


def test_a_case_narrows_the_roles_for_people_only(acting) -> None:  # type: ignore[no-untyped-def]
    acting(person("officer"), policy.DOCUMENTS + "CreateDocument")
    policy.require()  # an outgoing draft
    with pytest.raises(PermissionDenied):
        policy.require("incoming")  # an arrival entered from paper: clerks only
    acting(service(INTERCHANGE), policy.DOCUMENTS + "CreateDocument")
    assert policy.require("incoming").agency == ""  # a service names the agency in its request
    with pytest.raises(LookupError):
        policy.require("no such case")


def test_a_method_the_table_does_not_list_is_refused(acting) -> None:  # type: ignore[no-untyped-def]
    acting(person(*ROLES), "vanthu.registry.v1.DocumentService/DeleteEverything")
    with pytest.raises(PermissionDenied, match="chưa có trong bảng phân quyền"):
        policy.require()


def test_the_documentation_of_a_route_names_its_roles_cases_and_rules() -> None:
    text = policy.describe([policy.DOCUMENTS + "CreateDocument"])
    assert text.startswith("**Who may call**: clerk (văn thư), leader (lãnh đạo), head (trưởng đơn vị), officer")
    assert "case `incoming`: clerk only" in text and "the interchange service" in text
    assert policy.roles_of([policy.DOCUMENTS + "NumberCopy", policy.SIGNING + "SignCopy"]) == {"clerk"}
    assert "any person of the agency" in policy.describe([policy.STORAGE + "Delete"])
    assert "any authenticated caller" in policy.describe([policy.REGISTRY + "ListAgencies"])


def test_a_delegable_entry_lets_a_deputy_through_only_when_the_service_finds_the_delegation(  # type: ignore[no-untyped-def]
        acting) -> None:
    """ủy quyền: the interceptor (``deputies=None``) lets a person of no such role through to the service; the
    service's require refuses them unless it found them acting under a delegation from a holder of the role."""
    method = policy.WORKFLOW + "AssignIncoming"
    entry = policy.access(method)
    assert entry.delegable and entry.roles == {"leader"}
    officer = person("officer")
    policy.check(entry, officer, method, deputies=None)  # the interceptor: the service decides
    with pytest.raises(PermissionDenied):
        policy.check(entry, person("officer", agency=None), method, deputies=None)  # still a person of an agency
    acting(officer, method)
    with pytest.raises(PermissionDenied):
        policy.require()  # no delegation found
    with pytest.raises(PermissionDenied):
        policy.require(deputies=frozenset({"head"}))  # a head's unit delegation does not make a leader
    assert policy.require(deputies=frozenset({"leader"})).principal is officer
    acting(officer, policy.WORKFLOW + "SubmitIncoming")  # not delegable: a delegation changes nothing
    with pytest.raises(PermissionDenied):
        policy.require(deputies=frozenset({"clerk"}))
    assert "ủy quyền" in policy.describe([method])
