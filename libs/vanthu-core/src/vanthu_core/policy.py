"""Who may call what: the platform's one access table (issue 11), by gRPC method.

Every method of every service (``vanthu.<svc>.v1.<Service>/<Method>``) has one entry, :data:`TABLE`, saying which
people (by the roles of their token, ``realm_access.roles``) and which service clients (by client id, ``azp``, see
:mod:`vanthu_core.clients`) may call it. The gRPC interceptor (:mod:`vanthu_core.grpc_server`) checks it before a
servicer runs (a method without an entry is refused), and each servicer asks :func:`require` for the caller and
their agency. The gateway documents each REST route's roles from the same table (``x-roles`` in its OpenAPI
document), and the end-to-end matrix (``e2e/test_e2e_access_matrix.py``) calls every route as every role.

What the table says is necessary, not sufficient: a person always acts within their own agency (another agency's
document, register or file is not found), and some rules depend on the resource or on the request. Those stay in
the services; each entry's ``rule`` says what they are, and ``cases`` names the narrower role sets a service applies
once it knows the case (an incoming document, another person's upload, releasing a legal hold).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from vanthu_core import clients
from vanthu_core.auth import ROLES, Principal, current_principal
from vanthu_core.errors import PermissionDenied

#: The roles in the order people name them, with their Vietnamese names (the glossary).
ROLE_NAMES = {"clerk": "văn thư", "leader": "lãnh đạo", "head": "trưởng đơn vị", "officer": "chuyên viên",
              "archivist": "lưu trữ", "admin": "quản trị"}

EVERYONE = ROLES
#: Who drafts outgoing documents (dự thảo).
DRAFTERS = frozenset({"officer", "head", "leader", "clerk"})
#: Who signs as the competent person (người có thẩm quyền): Decree 30/2020 Art. 13.
SIGNERS = frozenset({"leader", "head"})
CLERK = frozenset({"clerk"})
#: Who keeps the register books (open, close, continue a series, import the previous system's book).
REGISTER_KEEPERS = frozenset({"clerk", "admin"})
#: Who keeps files beyond their uploader's reach: delete any of the agency, set retention and legal holds.
FILE_KEEPERS = frozenset({"clerk", "archivist", "admin"})

REGISTRY = "vanthu.registry.v1.RegistryService/"
DOCUMENTS = "vanthu.registry.v1.DocumentService/"
SIGNING = "vanthu.signing.v1.SigningService/"
STORAGE = "vanthu.storage.v1.StorageService/"
INTERCHANGE = "vanthu.interchange.v1.InterchangeService/"
FEDERATION = "vanthu.interchange.v1.FederationService/"
WORKFLOW = "vanthu.workflow.v1.WorkflowService/"
SEARCH = "vanthu.search.v1.SearchService/"
RECORDS = "vanthu.records.v1.RecordsService/"
#: Who drafts the file plan (danh mục hồ sơ): the clerk and archive staff (Decree 30/2020 Art. 28; the leader approves).
PLAN_DRAFTERS = frozenset({"clerk", "archivist"})
#: Who opens, fills, closes and submits files: the person handling the work (Decree 30/2020 Art. 29).
RECORD_KEEPERS = frozenset({"officer", "head", "clerk", "leader"})
#: Who sees every file of the agency (others: the files they created).
RECORD_READERS = "the files they created; archivists, leaders, clerks and admins every file of their agency"
#: The rule of a personal signature on a registry document (issue 13 review item 3).
_DOCUMENT_SIGNATURE = ("a document's main file (document_id) and the signing authority lines (KT./TUQ., title, "
                       "position) only through the registry, which decides them and vouches for the person's call")
#: The rule of the registry's acts the workflow's outgoing circuit performs (issue 13 review item 1).
_CIRCUIT_ONLY = ("a document the workflow's circuit governs (it started one on the draft) only through the circuit, "
                 "the workflow vouching for the person's call; a direct call on it is refused")
#: What the workflow reads from the registry with the caller's own token (units, their heads and members).
_DIRECTORY_READS = (REGISTRY + "ListUnits", REGISTRY + "ListUnitMembers")
#: What a step that notifies reads: the units' heads (who a unit's task reaches) and the people's e-mail addresses.
_NOTIFY_READS = (REGISTRY + "ListUnits", REGISTRY + "ListPeople")


@dataclass(frozen=True)
class Access:
    """Who may call one method.

    ``roles``: people holding one of these roles, of an agency. ``any_person``: every person of an agency, whatever
    their roles (none included). ``anyone``: every authenticated caller, people of no agency and services too.
    ``clients``: service clients calling on nobody's behalf with their own token. ``cases``: narrower role sets the
    service applies once it knows the case (:func:`require` with ``case``). ``rule``: what the service checks
    besides, on the resource or the request. ``forwards``: methods the service calls on with the caller's own token
    (whoever may call this method must be allowed those too). ``peers``: other VanThu installations, over mutual TLS
    on interchange's federation port, identified by their client certificate and authorised by the peers table
    (``VANTHU_INTERCHANGE_FEDERATION_PEERS_FILE``, :mod:`vanthu_interchange.federation`), never by a token: the
    token interceptor refuses every caller of such a method, so it stays shut if served on an in-cluster port.
    ``delegable``: ủy quyền (issue 13 item 7): people holding one of ``roles``, or a person of an agency whom the
    service finds acting under a delegation in force from a holder of one of them (a leader's own tasks, a head's
    unit). The interceptor lets every person of an agency through to the service, which names the roles the caller
    holds under a delegation (:func:`require` with ``deputies``) and so refuses, with the same PermissionDenied, a
    caller with neither; the service then keeps the deputy to the delegation's scope.
    """

    roles: frozenset[str] = frozenset()
    any_person: bool = False
    anyone: bool = False
    clients: frozenset[str] = frozenset()
    cases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    rule: str = ""
    forwards: tuple[str, ...] = ()
    peers: bool = False
    delegable: bool = False
    #: Service clients among ``clients`` whose token the callee never forwards: it calls on with its own client for
    #: the agency they name (signing's AugmentLta for the records service), so ``forwards`` concerns people only.
    served_onward: frozenset[str] = frozenset()
    #: Service clients that may vouch for a person's call (:data:`VIA_HEADER`: their own token beside the person's):
    #: the callee then knows the call comes through that service (the registry's sign and issue of a document the
    #: workflow's circuit governs, only through the workflow; signing's document signatures, only through the
    #: registry) and applies its rule for it (:func:`vouched_by`). The interceptor refuses a vouching token of any
    #: other client, or one that is not a service's.
    vouched_by: frozenset[str] = frozenset()

    @property
    def person_roles(self) -> frozenset[str]:
        """The roles of the people who may call (all of them when any person or anyone may)."""
        return ROLES if self.any_person or self.anyone else self.roles

    def allows(self, principal: Principal, case: str | None = None) -> bool:
        """Whether ``principal`` may call (in ``case``, for a person), without raising."""
        try:
            check(self, principal, "", case)
        except PermissionDenied:
            return False
        return True


def people(*roles: Iterable[str] | str, rule: str = "", cases: Mapping[str, Iterable[str]] | None = None,
           services: Iterable[str] = (), forwards: Iterable[str] = (), delegable: bool = False,
           served_onward: Iterable[str] = (), vouched_by: Iterable[str] = ()) -> Access:
    """An entry for people holding one of ``roles`` (role names or sets of them); ``delegable``: or acting under a
    delegation from such a person; ``vouched_by``: services that may vouch for the person's call (:class:`Access`)."""
    flat = frozenset(r for group in roles for r in ([group] if isinstance(group, str) else group))
    return Access(roles=flat, rule=rule, cases={k: frozenset(v) for k, v in (cases or {}).items()},
                  clients=frozenset(services), forwards=tuple(forwards), delegable=delegable,
                  served_onward=frozenset(served_onward), vouched_by=frozenset(vouched_by))


#: The access table: every gRPC method of every service, and nothing else (a test holds it to the protos).
TABLE: dict[str, Access] = {
    # -- the agency directory (danh bạ cơ quan) --------------------------------------------------------------------
    REGISTRY + "GetAgency": Access(anyone=True, rule="the directory is the province's address book"),
    REGISTRY + "ListAgencies": Access(anyone=True, rule="the directory is the province's address book"),
    REGISTRY + "UpsertAgency": people(
        "admin", rule="only entries already under the administrator's own agency (judged by the stored record, not "
                      "by the parent the request names); their own agency is renamed, never moved; no cycles. No "
                      "service changes the directory: the operator imports it"),
    # -- the agency's units (đơn vị: phòng, ban) and the people in them ----------------------------------------------
    REGISTRY + "ListUnits": people(EVERYONE, rule="the units of their own agency"),
    REGISTRY + "UpsertUnit": people("admin", rule="a unit of the administrator's own agency; its parent a unit of the "
                                                  "same agency, never one below it"),
    REGISTRY + "ListUnitMembers": people(EVERYONE, rule="a unit of their own agency (another agency's is not found)"),
    REGISTRY + "SetUnitMember": people("admin", rule="a person of the administrator's own agency, as the identity "
                                                     "provider knows them, in a unit of that agency; one head per "
                                                     "unit"),
    REGISTRY + "RemoveUnitMember": people("admin", rule="a unit of the administrator's own agency"),
    REGISTRY + "ListPeople": people(EVERYONE, services=[clients.WORKFLOW],
                                    rule="the people of their own agency, as the identity provider knows them (read "
                                         "only: no component changes accounts); the workflow those of the agency a "
                                         "deposit reminder or a file plan's step names"),
    # -- types and registers ---------------------------------------------------------------------------------------
    DOCUMENTS + "ListDocumentTypes": people(EVERYONE),
    DOCUMENTS + "CreateDocumentType": people("admin"),
    DOCUMENTS + "SetExchangeForm": people(
        "admin", rule="the exchange catalogue (danh mục gửi nhận) of the admin's own agency, for one of its types"),
    DOCUMENTS + "CreateRegister": people(REGISTER_KEEPERS),
    DOCUMENTS + "ListRegisters": people(EVERYONE),
    DOCUMENTS + "ExportRegister": people("clerk", "leader", "archivist", "admin"),
    DOCUMENTS + "SetRegisterStart": people(REGISTER_KEEPERS),
    DOCUMENTS + "ImportRegister": people(REGISTER_KEEPERS),
    DOCUMENTS + "CloseRegister": people(REGISTER_KEEPERS),
    DOCUMENTS + "GetRegisterHistory": people(EVERYONE),
    # -- documents -------------------------------------------------------------------------------------------------
    DOCUMENTS + "CreateDocument": people(
        DRAFTERS, cases={"incoming": CLERK}, services=[clients.INTERCHANGE],
        rule="an outgoing draft by a drafter; an incoming document entered from paper by a clerk only (case "
             "'incoming'); the interchange service records an arrival for the agency it names"),
    DOCUMENTS + "RecordArrivals": Access(
        clients=frozenset({clients.INTERCHANGE}),
        rule="interchange records several arrivals at once, each as CreateDocument's arrival for the agency it names "
             "(an incoming document with its arrival key); nobody else records arrivals by the batch"),
    DOCUMENTS + "UpdateDraft": people(DRAFTERS, vouched_by=[clients.WORKFLOW],
                                      rule="outgoing drafts only; a draft the workflow's circuit governs only "
                                           "through it, while it is returned to its drafter"),
    DOCUMENTS + "GetDocument": people(EVERYONE, services=[clients.INTERCHANGE, clients.SEARCH],
                                      rule="a person reads their own agency's documents that list one of their "
                                           "principals in their audience (each view logged); interchange reads an "
                                           "issued document of the agency it names, to build its package; search "
                                           "any document of the agency it names, to index it (with its audience)"),
    DOCUMENTS + "GetDocuments": Access(
        clients=frozenset({clients.INTERCHANGE}),
        rule="interchange reads several issued documents at once, each as GetDocument reads one for it (an issued "
             "document of the agency it names); nobody else reads documents by the batch"),
    DOCUMENTS + "ListDocuments": people(EVERYONE, services=[clients.SEARCH],
                                        rule="the documents the caller sees (their audience); search those of the "
                                             "agency it names, to rebuild its index"),
    DOCUMENTS + "GetDocumentHistory": people(EVERYONE, rule="a document the caller sees (its audience)"),
    DOCUMENTS + "GetDocumentAccessLog": people("clerk", "leader", rule="a document of their own agency they see "
                                                                       "(Decree 30/2020 Appendix VI, III.5.a)"),
    DOCUMENTS + "CheckFileAccess": Access(any_person=True, rule="a file of documents the caller sees (their "
                                                                "audience); logged on each"),
    DOCUMENTS + "SubmitDocument": people(DRAFTERS, forwards=[SIGNING + "CheckDraft"], vouched_by=[clients.WORKFLOW],
                                         rule="only the document's drafter submits it; " + _CIRCUIT_ONLY),
    DOCUMENTS + "EnterCircuit": people(DRAFTERS, vouched_by=[clients.WORKFLOW],
                                       rule="only through the workflow (it vouches for the call): the drafter's own "
                                            "outgoing draft, when its circuit starts"),
    DOCUMENTS + "ReturnDocument": people(SIGNERS, vouched_by=[clients.WORKFLOW], rule=_CIRCUIT_ONLY),
    DOCUMENTS + "SignDocument": people(SIGNERS, forwards=[SIGNING + "SignPersonal", SIGNING + "CompleteSignature"],
                                       vouched_by=[clients.WORKFLOW],
                                       rule="with the signer's own personal signing profile (its key held by the "
                                            "service, or a two-step signing the signer prepared); " + _CIRCUIT_ONLY),
    DOCUMENTS + "PrepareSignDocument": people(SIGNERS, forwards=[SIGNING + "PrepareSignature"],
                                              vouched_by=[clients.WORKFLOW],
                                              rule="with the signer's own personal profile whose key the signing "
                                                   "service does not hold; a submitted document of their agency; "
                                                   + _CIRCUIT_ONLY),
    DOCUMENTS + "IssueDocument": people(CLERK, forwards=[SIGNING + "SealDocument"], vouched_by=[clients.WORKFLOW],
                                        rule="sealed with the agency's signing profile; " + _CIRCUIT_ONLY),
    DOCUMENTS + "RegisterDocument": people(CLERK),
    DOCUMENTS + "RejectDocument": people(CLERK),
    DOCUMENTS + "CancelDocument": people("clerk", "leader"),
    DOCUMENTS + "NumberCopy": people(CLERK),
    DOCUMENTS + "RecordRevocation": Access(
        clients=frozenset({clients.INTERCHANGE}),
        rule="interchange records, for the agency it names, a sender's revocation or update request on an arrival "
             "(status 13, business type 1 or 2) and its own agency's revocation of an outgoing document"),
    DOCUMENTS + "AcceptRevocation": people(CLERK, rule="an arrival of their own agency whose sender asked to revoke "
                                                       "or update it (status 15 goes back)"),
    DOCUMENTS + "RefuseRevocation": people(CLERK, rule="as AcceptRevocation, with a reason (status 16 goes back)"),
    # -- signing ---------------------------------------------------------------------------------------------------
    SIGNING + "SignPersonal": people(SIGNERS, forwards=[STORAGE + "Download", STORAGE + "Upload"],
                                     vouched_by=[clients.REGISTRY],
                                     rule="with the caller's own personal profile (found by subject), its key held "
                                          "by the service; " + _DOCUMENT_SIGNATURE),
    SIGNING + "SealDocument": people(
        CLERK, forwards=[DOCUMENTS + "GetDocument", REGISTRY + "GetAgency", STORAGE + "Download", STORAGE + "Upload"],
        rule="with the agency's seal profile, a document the registry numbered, whose main file a person holding a "
             "personal profile of the agency signed"),
    SIGNING + "SignCopy": people(CLERK, forwards=[STORAGE + "Download", STORAGE + "Upload"],
                                 rule="with the agency's seal profile"),
    SIGNING + "Verify": Access(anyone=True, forwards=(STORAGE + "Download",),
                               rule="a stored file is read with the caller's token (only their agency's)"),
    SIGNING + "PrepareSignature": people(SIGNERS, forwards=[STORAGE + "Download"], vouched_by=[clients.REGISTRY],
                                         rule="with the caller's own personal profile whose key the service does not "
                                              "hold (a USB token, a remote signer); " + _DOCUMENT_SIGNATURE),
    SIGNING + "CompleteSignature": people(SIGNERS, forwards=[STORAGE + "Upload"], vouched_by=[clients.REGISTRY],
                                          rule="only the person who prepared the handle; a handle prepared for a "
                                               "document only for that document and its main file, with the lines it "
                                               "was prepared with; " + _DOCUMENT_SIGNATURE),
    SIGNING + "PlaceSignature": people(SIGNERS, forwards=[STORAGE + "Download"],
                                       rule="with the caller's own personal profile: where their signature would "
                                            "land on a file of their agency, and its image"),
    SIGNING + "CheckDraft": people(DRAFTERS, forwards=[STORAGE + "Download"],
                                   rule="a file of their agency: whether a draft's main file carries [[SO]], [[NGAY]] "
                                        "and [[CHU_KY]]"),
    SIGNING + "GetProfile": people(SIGNERS, "clerk", "admin",
                                   rule="leaders and heads read their own personal profile, clerks and admins their "
                                        "agency's seal"),
    SIGNING + "SetProfileImage": people(SIGNERS, "admin",
                                        rule="leaders and heads change their own signature image, admins their "
                                             "agency's seal image"),
    SIGNING + "AugmentLta": people("archivist", "admin", forwards=[STORAGE + "Download", STORAGE + "Upload"],
                                   services=[clients.RECORDS], served_onward=[clients.RECORDS],
                                   rule="a signed PDF of the caller's own agency whose signatures validate now; the "
                                        "B-LTA result is a new object of the same agency. The records service (its "
                                        "scheduled re-timestamping) names the agency; signing then reads and stores "
                                        "with its own client for it"),
    # -- storage ---------------------------------------------------------------------------------------------------
    STORAGE + "Upload": Access(any_person=True, clients=frozenset({clients.INTERCHANGE, clients.SIGNING}),
                               rule="for the caller's own agency; a service names the agency that owns the file "
                                    "(interchange: received files; signing: the B-LTA augmentation the records "
                                    "service asks for)"),
    STORAGE + "Download": Access(any_person=True,
                                 clients=frozenset({clients.GATEWAY, clients.SIGNING, clients.INTERCHANGE,
                                                    clients.SEARCH}),
                                 rule="a person reads their own agency's files; a service one object by its id, for "
                                      "the agency it names (the gateway: a signed download link's)"),
    STORAGE + "ReadObjects": Access(clients=frozenset({clients.INTERCHANGE}),
                                    rule="as a service's Download, for each item: one object by its id, for the "
                                         "agency it names (interchange reading the sealed files of a batch of issued "
                                         "documents); an item refused alone"),
    STORAGE + "Stat": Access(any_person=True, clients=frozenset({clients.GATEWAY, clients.SIGNING}),
                             rule="as Download"),
    STORAGE + "Delete": Access(any_person=True, cases={"not_uploader": FILE_KEEPERS},
                               rule="the uploader deletes their own upload; anyone else of the agency needs clerk, "
                                    "archivist or admin (case 'not_uploader'); a file something refers to, or "
                                    "retained or held, is kept"),
    STORAGE + "Lock": people(FILE_KEEPERS, cases={"release_hold": frozenset({"archivist", "admin"})},
                             services=[clients.RECORDS],
                             rule="releasing a legal hold needs archivist or admin (case 'release_hold'); the "
                                  "records service, naming the agency it acts for, locks archived objects (its "
                                  "scheduled re-timestamping) and never releases a hold"),
    STORAGE + "CopyObject": Access(clients=frozenset({clients.INTERCHANGE}),
                                   rule="interchange delivering a package built here: the sending agency's object "
                                        "with the digest of the bytes the package carries, copied for the recipient "
                                        "agency it names (both named; another agency's digest is NotFound)"),
    STORAGE + "AddReference": Access(clients=frozenset({clients.REGISTRY, clients.SIGNING, clients.RECORDS,
                                                        clients.WORKFLOW}),
                                     rule="each service under its own holder prefix (registry/…, signing/…, "
                                          "records/…, workflow/… for the files of a task's result), naming the "
                                          "agency it acts for"),
    STORAGE + "CopyObjects": Access(clients=frozenset({clients.INTERCHANGE}),
                                    rule="as CopyObject, for each item (interchange taking a batch of packages in); "
                                         "an item refused alone"),
    STORAGE + "AddReferences": Access(clients=frozenset({clients.REGISTRY, clients.SIGNING, clients.RECORDS,
                                                         clients.WORKFLOW}),
                                      rule="as AddReference, for each item (the registry recording a batch of "
                                           "arrivals); an item refused alone"),
    STORAGE + "ReleaseReference": Access(clients=frozenset({clients.REGISTRY, clients.SIGNING, clients.RECORDS,
                                                            clients.WORKFLOW}),
                                         rule="as AddReference"),
    # -- interchange -----------------------------------------------------------------------------------------------
    INTERCHANGE + "ListDeliveries": people(EVERYONE, rule="the deliveries of an outgoing document of their own "
                                                          "agency"),
    INTERCHANGE + "ResendDelivery": people(CLERK, "admin", rule="a delivery of their own agency's document"),
    INTERCHANGE + "GetExchangeStatistics": people(
        "clerk", "leader", "admin", rule="counts of their own agency and the agencies under it in the directory "
                                         "(the provincial office sees the province); never content"),
    INTERCHANGE + "RevokeDocument": people(
        CLERK, rule="an issued document of their own agency that was sent: status 13 to every recipient that received "
                    "it, the deliveries not sent yet cancelled; refused while a revocation is pending"),
    # -- workflow: processing of incoming documents (xử lý văn bản đến) ---------------------------------------------
    WORKFLOW + "SubmitIncoming": people(CLERK, forwards=[DOCUMENTS + "GetDocument", REGISTRY + "ListPeople"],
                                        rule="a registered incoming document of the clerk's own agency (the registry "
                                             "says so), once"),
    WORKFLOW + "AssignIncoming": people("leader", forwards=[REGISTRY + "ListUnits", REGISTRY + "ListPeople"],
                                        delegable=True,
                                        rule="a case of their own agency, submitted or returned (assign) or being "
                                             "processed (reassign); units and people of their agency; a leader's "
                                             "deputy (ủy quyền) in the leader's name"),
    WORKFLOW + "RecallIncoming": people("leader", delegable=True,
                                        rule="a case of their own agency that is assigned, in progress, waiting for "
                                             "an extension or returned; a leader's deputy in the leader's name"),
    WORKFLOW + "DecideExtension": people("leader", forwards=_NOTIFY_READS, delegable=True,
                                         rule="a case of their own agency whose lead asked for more time; a "
                                              "leader's deputy in the leader's name"),
    WORKFLOW + "DelegateTask": people("head", forwards=_NOTIFY_READS + _DIRECTORY_READS[1:], delegable=True,
                                      rule="the head of the unit the task was given to (or the deputy of that unit's "
                                           "head under a delegation in force), to a person of that unit"),
    WORKFLOW + "RecordProgress": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                        rule="a task in the caller's inbox (theirs, or their unit's as its head)"),
    WORKFLOW + "RequestExtension": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                          rule="the lead's task in the caller's inbox"),
    WORKFLOW + "ReturnIncoming": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                        rule="the lead's task in the caller's inbox, with a reason"),
    WORKFLOW + "CompleteTask": people(EVERYONE, forwards=[REGISTRY + "ListUnits", DOCUMENTS + "GetDocument"],
                                      rule="a task in the caller's inbox; the reply an outgoing document of their "
                                           "agency they drafted and see, answering the case's arrival"),
    WORKFLOW + "GetCase": people(EVERYONE, forwards=[DOCUMENTS + "GetDocument", REGISTRY + "ListUnitMembers"],
                                 rule="a case of their own agency, whose document they see or that gives it to them"),
    WORKFLOW + "CheckFileAccess": Access(any_person=True, forwards=(DOCUMENTS + "GetDocument", *_DIRECTORY_READS),
                                         rule="a result file held by a task whose case they see (GetCase's rule; "
                                              "a job: GetJob's)"),
    WORKFLOW + "CreateDelegation": people(
        "leader", "head", forwards=[REGISTRY + "ListUnits", REGISTRY + "ListUnitMembers", REGISTRY + "ListPeople"],
        rule="a leader their own tasks, the head of a unit (in the directory) its tasks to a member of it; to a "
             "person of their own agency, for at most a year; never what they hold under a delegation"),
    WORKFLOW + "ListDelegations": people(EVERYONE, rule="those the caller gave or received; a leader every one of "
                                                        "their agency"),
    WORKFLOW + "RevokeDelegation": people("leader", "head", rule="its delegator, or a leader of the agency"),
    WORKFLOW + "ListInbox": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                   rule="the caller's own tasks, and their units' as their head"),
    WORKFLOW + "ComputeDeadline": people(EVERYONE, rule="the deadline a number of working days gives today, with the "
                                                        "service's calendar; nothing of any agency is read"),
    # -- workflow: the outgoing circuit (quy trình văn bản đi); the steps' roles come from the circuit definition ---
    WORKFLOW + "StartOutgoing": people(DRAFTERS, forwards=[DOCUMENTS + "GetDocument", *_DIRECTORY_READS,
                                                         REGISTRY + "ListPeople"],
                                       rule="the caller's own outgoing draft of their agency, once"),
    WORKFLOW + "ReviewOutgoing": people("head", "leader", forwards=_NOTIFY_READS, delegable=True,
                                        rule="the review task of a case of their own agency in their inbox (the "
                                             "drafting unit's head, or the leaders as the circuit says, or their "
                                             "deputy under a delegation in force); consulted units of their agency"),
    WORKFLOW + "ResendOutgoing": people(DRAFTERS, forwards=_NOTIFY_READS,
                                        rule="the drafter of a returned draft of their agency"),
    WORKFLOW + "ReviseOutgoing": people(DRAFTERS, forwards=[DOCUMENTS + "UpdateDraft"],
                                        rule="the drafter of a draft of their agency its circuit has returned to "
                                             "them"),
    WORKFLOW + "AnswerConsultation": people("head", forwards=_NOTIFY_READS, delegable=True,
                                            rule="the consulted unit's task, by that unit's head or their deputy "
                                                 "under a delegation in force"),
    WORKFLOW + "SubmitOutgoing": people(DRAFTERS, forwards=[DOCUMENTS + "SubmitDocument"],
                                        rule="the drafter of an approved draft of their agency"),
    WORKFLOW + "PrepareSignOutgoing": people(SIGNERS, forwards=[DOCUMENTS + "PrepareSignDocument"],
                                             rule="as SignOutgoing: the holder of a submitted draft's signing task, "
                                                  "the delegation in force deciding the signing authority drawn"),
    WORKFLOW + "SignOutgoing": people(SIGNERS, forwards=[DOCUMENTS + "SignDocument"],
                                      rule="a submitted draft of their agency whose circuit gives signing to their "
                                           "role, or to the person they deputise for under a delegation in force "
                                           "(signed KT./TUQ.); not delegable beyond the signers: a signature needs "
                                           "the signer's own personal certificate (Decree 30/2020 Art. 13)"),
    WORKFLOW + "ReturnUnsigned": people(SIGNERS, forwards=[DOCUMENTS + "ReturnDocument"],
                                        rule="a submitted draft of their agency whose circuit gives signing to their "
                                             "role (or to the person they deputise for), with a reason"),
    WORKFLOW + "IssueOutgoing": people(CLERK, forwards=[DOCUMENTS + "IssueDocument"],
                                       rule="a signed document of their own agency in its circuit"),
    WORKFLOW + "GetDashboard": people("leader", "head", forwards=_DIRECTORY_READS,
                                      rule="counts of their own agency's cases (a leader: the agency and every unit; "
                                           "a head: their own units); never content"),
    # -- workflow: assigned work (giao việc); the assignees act with DelegateTask … CompleteTask above ----------------
    WORKFLOW + "GiveJob": people(EVERYONE, forwards=[*_DIRECTORY_READS, REGISTRY + "ListPeople"],
                                 rule="a leader gives work to units and people of their agency, a head to people of "
                                      "the unit they head; the lead of a job of their agency gives sub-jobs to people "
                                      "of the lead's unit (the service checks the role and the units)"),
    WORKFLOW + "ReassignJob": people(EVERYONE, forwards=[*_DIRECTORY_READS, REGISTRY + "ListPeople"],
                                     rule="the giver of a job of their agency, within the unit it stays in"),
    WORKFLOW + "RecallJob": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                   rule="the giver of a job of their agency being worked on or returned"),
    WORKFLOW + "DecideJobExtension": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                            rule="the giver of a job of their agency whose lead asked for more time"),
    WORKFLOW + "GetJob": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                rule="a job of their agency they gave, that was given under a job they gave, or "
                                     "whose task they hold or held (theirs, or their unit's as its head)"),
    WORKFLOW + "ListJobs": people(EVERYONE, forwards=_DIRECTORY_READS[:1],
                                  rule="the jobs they gave, or the sub-jobs of a job they see (as GetJob)"),
    # -- workflow: notifications (thông báo), each person's own ---------------------------------------------------
    WORKFLOW + "ListNotifications": people(EVERYONE, rule="the caller's own notifications"),
    WORKFLOW + "MarkNotificationsRead": people(EVERYONE, rule="the caller's own notifications (others' ids change "
                                                              "nothing)"),
    WORKFLOW + "WatchNotifications": people(EVERYONE, rule="the caller's own new notifications, as they are written"),
    WORKFLOW + "GetNotificationSettings": people(EVERYONE, rule="the caller's own e-mail choice"),
    WORKFLOW + "SetNotificationSettings": people(EVERYONE, rule="the caller's own e-mail choice"),
    # -- search (tra cứu) -------------------------------------------------------------------------------------------
    SEARCH + "Search": people(EVERYONE, forwards=[REGISTRY + "ListUnitMembers"],
                              rule="only documents of the caller's own agency whose audience names one of the "
                                   "caller's principals (*, their roles, their units, themselves); counts and facets "
                                   "too"),
    SEARCH + "GetIndexStatus": people("admin", rule="how the index stands (no document is shown)"),
    # -- records (hồ sơ, lưu trữ cơ quan): issue 16 -----------------------------------------------------------------
    RECORDS + "CreatePlan": people(PLAN_DRAFTERS, rule="a plan of their own agency for a year: a first draft, or a "
                                                       "new version of the approved one"),
    RECORDS + "UpdatePlan": people(PLAN_DRAFTERS, forwards=[REGISTRY + "ListPeople"],
                                   rule="a draft plan of their own agency (an approved one is frozen); the people "
                                        "keeping its files (người lập hồ sơ) are people of that agency"),
    RECORDS + "SubmitPlan": people(PLAN_DRAFTERS, rule="a draft plan of their own agency, to its leaders (trình "
                                                       "duyệt), who are notified"),
    RECORDS + "ReturnPlan": people("leader", rule="a submitted plan of their own agency, with a reason; its submitter "
                                                  "is notified"),
    RECORDS + "ApprovePlan": people("leader", rule="a draft or submitted plan of their own agency (Decree 30/2020 "
                                                   "Art. 28); its submitter is notified"),
    RECORDS + "GetPlan": people(EVERYONE, rule="a plan of their own agency"),
    RECORDS + "ListPlans": people(EVERYONE, rule="the plans of their own agency"),
    RECORDS + "ExportPlan": people(EVERYONE, forwards=[REGISTRY + "GetAgency"], rule="a plan of their own agency"),
    RECORDS + "OpenFile": people(RECORD_KEEPERS, rule="in their own agency, from an entry of its approved plan or "
                                                      "outside it; the caller is the file's creator"),
    RECORDS + "GetFile": people(EVERYONE, rule=RECORD_READERS + "; reading an archived file is logged"),
    RECORDS + "ListFiles": people(EVERYONE, rule=RECORD_READERS),
    RECORDS + "AddDocuments": people(RECORD_KEEPERS, forwards=[DOCUMENTS + "GetDocument", WORKFLOW + "GetCase"],
                                     rule="the file's creator; documents the registry lets them open (issued "
                                          "outgoing, registered incoming), a completed case of their agency"),
    RECORDS + "RemoveDocument": people(RECORD_KEEPERS, rule="the file's creator, while the file is open"),
    RECORDS + "CloseFile": people(RECORD_KEEPERS, rule="the file's creator"),
    RECORDS + "ExportFileForm": people(EVERYONE, forwards=[REGISTRY + "GetAgency"], rule=RECORD_READERS),
    RECORDS + "GetFileHistory": people(EVERYONE, rule=RECORD_READERS),
    RECORDS + "SubmitDeposit": people(RECORD_KEEPERS, rule="the file's creator, a closed (returned, retained) file"),
    RECORDS + "AcceptDeposit": people("archivist", forwards=[STORAGE + "Lock", SIGNING + "AugmentLta"],
                                      rule="a submitted file of their agency; its objects locked for the retention "
                                           "period, signed PDFs augmented to PAdES B-LTA"),
    RECORDS + "ReturnDeposit": people("archivist", rule="a submitted file of their agency, with reasons"),
    RECORDS + "ReopenFile": people(RECORD_KEEPERS, rule="the file's creator, a file the archivist returned"),
    RECORDS + "RetainFile": people("leader", rule="a closed file of their agency, 1 or 2 more years, with the "
                                                  "approval named (Decree 30/2020 Art. 30)"),
    RECORDS + "ExportDepositForm": people("archivist", "leader", forwards=[REGISTRY + "GetAgency"],
                                          rule="deposited files of their agency"),
    RECORDS + "ListArchiveAccess": people("archivist", "leader", "admin", rule="a file of their agency"),
    RECORDS + "RenewTimestamps": people("archivist", forwards=[STORAGE + "Lock", SIGNING + "AugmentLta"],
                                        rule="archived files of their agency"),
    RECORDS + "ArchivedIn": Access(clients=frozenset({clients.REGISTRY}),
                                   rule="the registry, for the agency it names, before a clerk accepts a revocation "
                                        "or update of an arrival (issue 12 item 4)"),
    RECORDS + "ExportFile": people(EVERYONE, forwards=[STORAGE + "Download"],
                                   rule=RECORD_READERS + "; closed or deposited files; logged for archived ones"),
    RECORDS + "ImportFile": people("archivist", forwards=[STORAGE + "Upload"],
                                   rule="into their own agency, a package whose digests match its manifest"),
    # -- federation: other VanThu installations (mutual TLS on the federation port; the peers table decides) --------
    FEDERATION + "SubmitPackage": Access(
        peers=True, rule="a configured peer (its client certificate) submits packages whose sender agency matches "
                         "its patterns, for agencies served here; idempotent on its package id"),
    FEDERATION + "GetDeliveryStatus": Access(peers=True, rule="a package the calling peer submitted"),
    FEDERATION + "ListAgencies": Access(peers=True, rule="the agencies this installation serves"),
}


def access(method: str) -> Access:
    """The entry of ``method`` (``vanthu.<svc>.v1.<Service>/<Method>``, a leading ``/`` allowed); a method without
    one is refused (:class:`PermissionDenied`), never let through."""
    entry = TABLE.get(method.lstrip("/"))
    if entry is None:
        raise PermissionDenied(f"Thao tác {method} chưa có trong bảng phân quyền nên bị từ chối: báo quản trị hệ "
                               "thống.")
    return entry


def short_name(method: str) -> str:
    """``vanthu.registry.v1.DocumentService/SignDocument`` → ``SignDocument``."""
    return method.rsplit("/", 1)[-1]


def _roles_text(roles: Iterable[str]) -> str:
    return ", ".join(sorted(roles, key=list(ROLE_NAMES).index))


def check(entry: Access, principal: Principal, method: str = "", case: str | None = None, *,
          deputies: frozenset[str] | None = frozenset()) -> None:
    """Raise :class:`PermissionDenied` unless ``principal`` may call (the method named ``method``, for messages).

    ``deputies``: the roles a person holds under delegations in force, as the service found them (a
    :attr:`Access.delegable` entry lets them stand for the person's own roles); None: not known yet — the
    interceptor, before the service runs, lets every person of an agency through to a delegable entry."""
    if entry.anyone:
        return
    name = short_name(method) if method else "this"
    if entry.peers and not (entry.roles or entry.any_person or entry.clients):
        raise PermissionDenied(f"Thao tác {name} chỉ dành cho hệ thống kết nối qua TLS hai chiều ở cổng liên thông, "
                               "không nhận mã xác thực.")
    if principal.is_service:
        if principal.client_id not in entry.clients:
            allowed = (f"chỉ {', '.join(sorted(entry.clients))} được gọi" if entry.clients
                       else "không dịch vụ nào được gọi")
            raise PermissionDenied(f"Dịch vụ {principal.client_id} không được gọi {name}: {allowed}.")
        return
    if not (entry.roles or entry.any_person):
        raise PermissionDenied(f"Thao tác {name} chỉ dành cho dịch vụ ({', '.join(sorted(entry.clients))}), không "
                               "dành cho người dùng.")
    roles = entry.cases[case] if case is not None else (None if entry.any_person else entry.roles)
    if roles is not None and not (entry.delegable and (deputies is None or deputies & roles)):
        principal.require_role(*roles)
    if not principal.agency:
        raise PermissionDenied("Tài khoản của đồng chí chưa thuộc cơ quan nào: chỉ người của một cơ quan được làm "
                               "việc này; báo quản trị hệ thống.")


class Caller(NamedTuple):
    """The checked caller: the principal, and the agency a person acts for (theirs; empty for a service, which
    names the agency in its request, and for a caller of an ``anyone`` method with no agency)."""

    principal: Principal
    agency: str


_method: contextvars.ContextVar[str | None] = contextvars.ContextVar("vanthu_method", default=None)
_via: contextvars.ContextVar[str] = contextvars.ContextVar("vanthu_via", default="")

#: The gRPC metadata key under which a service vouches for the person's call it makes (``Bearer <its own token>``,
#: beside the person's ``authorization``): :attr:`Access.vouched_by`.
VIA_HEADER = "vanthu-via"


def enter(method: str) -> contextvars.Token[str | None]:
    """Record the gRPC method being served (the interceptor does, for :func:`require`)."""
    return _method.set(method.lstrip("/"))


def leave(token: contextvars.Token[str | None]) -> None:
    _method.reset(token)


def check_voucher(entry: Access, voucher: Principal, method: str = "") -> str:
    """The client id of ``voucher`` (the token a caller sent under :data:`VIA_HEADER`) when ``entry`` admits it as a
    voucher; :class:`PermissionDenied` for a person's token or a service the entry does not name."""
    name = short_name(method) if method else "this"
    if not voucher.is_service or voucher.client_id not in entry.vouched_by:
        raise PermissionDenied(f"Mã bảo lãnh kèm theo lời gọi {name} không phải của dịch vụ được phép bảo lãnh "
                               f"({', '.join(sorted(entry.vouched_by)) or 'không dịch vụ nào'}).")
    return voucher.client_id


def enter_via(client: str) -> contextvars.Token[str]:
    """Record the service vouching for the call being served ("" none; the interceptor does, for :func:`vouched_by`)."""
    return _via.set(client)


def leave_via(token: contextvars.Token[str]) -> None:
    _via.reset(token)


def vouched_by() -> str:
    """The client id of the service that vouched for the call being served (its token checked by the interceptor
    against :attr:`Access.vouched_by`); "" when the person called without one (e.g. through the gateway)."""
    return _via.get()


def current_method() -> str:
    """The method being served; LookupError outside a call the interceptor recorded."""
    method = _method.get()
    if method is None:
        raise LookupError("no gRPC method is being served (policy.require runs inside a servicer)")
    return method


def require(case: str | None = None, *, method: str | None = None,
            deputies: frozenset[str] = frozenset()) -> Caller:
    """The caller of the method being served, checked against its entry (and, for a person, the narrower roles of
    ``case``); :class:`PermissionDenied` otherwise. ``deputies``: for a :attr:`Access.delegable` entry, the roles
    the caller holds under delegations in force today (the service's own finding; ignored by other entries)."""
    name = method or current_method()
    entry = access(name)
    principal = current_principal()
    if case is not None and case not in entry.cases:
        raise LookupError(f"{name} has no case {case!r} in the access table")
    check(entry, principal, name, None if principal.is_service else case, deputies=deputies)
    return Caller(principal, "" if principal.is_service else principal.agency or "")


def roles_of(methods: Iterable[str]) -> frozenset[str]:
    """The person roles allowed by every one of ``methods`` (a REST route that calls them all)."""
    allowed = ROLES
    for method in methods:
        allowed = allowed & access(method).person_roles
    return allowed


def describe(methods: Iterable[str]) -> str:
    """Markdown for the API documentation: who may call a route that calls ``methods``, and the rules."""
    methods = list(methods)
    roles = roles_of(methods)
    entries = [access(m) for m in methods]
    if all(e.anyone for e in entries):
        who = "any authenticated caller"
    elif any(not e.any_person and not e.anyone for e in entries):
        who = ", ".join(f"{r} ({ROLE_NAMES[r]})" for r in sorted(roles, key=list(ROLE_NAMES).index)) or "nobody"
    else:
        who = "any person of the agency, whatever their role"
    lines = [f"**Who may call**: {who}."]
    for method, entry in zip(methods, entries, strict=True):
        for case, case_roles in entry.cases.items():
            lines.append(f"- {short_name(method)}, case `{case}`: {_roles_text(case_roles & roles)} only.")
        if entry.delegable:
            lines.append(f"- {short_name(method)}: also a deputy acting under a delegation (ủy quyền) in force from "
                         "a person of these roles, within its scope.")
        if entry.rule:
            lines.append(f"- {short_name(method)}: {entry.rule}.")
    return "\n".join(lines)
