"""The catalogue of VanThu's domain events: every subject, the message it carries, who publishes and who consumes it.

A subject is written once, in its event message's ``(vanthu.common.v1.subject)`` option
(``proto/vanthu/<service>/v1/events.proto``); the constants below read it from there, so services, tests, the
NATS permissions (:mod:`vanthu_core.nats_auth`) and the chart all use the same names. The publisher of a subject
is its second token (``vanthu.<service>.<entity>.<event>``): only that service's NATS user may publish it.
Consumers (durable pull consumers) are declared here too, with the service that runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Final

from google.protobuf.message import Message

from vanthu.common.v1 import events_pb2 as common_events
from vanthu.interchange.v1 import events_pb2 as interchange_events
from vanthu.records.v1 import events_pb2 as records_events
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu.storage.v1 import events_pb2 as storage_events
from vanthu.workflow.v1 import events_pb2 as workflow_events

#: The JetStream stream of domain events (``vanthu.>``) and the dead-letter stream beside it.
EVENTS_STREAM: Final = "VANTHU_EVENTS"
DEAD_LETTER_STREAM: Final = "VANTHU_DLQ"
#: Dead letters are kept on ``vanthu_dlq.<original subject>``, outside the event stream's ``vanthu.>``.
DEAD_LETTER_PREFIX: Final = "vanthu_dlq"
#: Each service's ``events.proto`` module, by the service that publishes its events.
EVENT_MODULES: Final[dict[str, ModuleType]] = {
    "registry": registry_events, "storage": storage_events, "signing": signing_events,
    "interchange": interchange_events, "workflow": workflow_events, "records": records_events}


def subject_of(message_type: type[Message] | Message) -> str:
    """The subject an event message type is published on (its ``(vanthu.common.v1.subject)`` option)."""
    subject: str = message_type.DESCRIPTOR.GetOptions().Extensions[common_events.subject]
    if not subject:
        raise ValueError(f"{message_type.DESCRIPTOR.full_name} is not an event: it names no subject")
    return subject


def publisher_of(subject: str) -> str:
    """The service allowed to publish ``subject`` (``vanthu.<service>.…``)."""
    return subject.split(".")[1]


# -- registry ----------------------------------------------------------------------------------------------------
REGISTRY_DOCUMENT_DRAFTED: Final = subject_of(registry_events.DocumentDrafted)
REGISTRY_DOCUMENT_ARRIVED: Final = subject_of(registry_events.DocumentArrived)
REGISTRY_DOCUMENT_SUBMITTED: Final = subject_of(registry_events.DocumentSubmitted)
REGISTRY_DOCUMENT_RETURNED: Final = subject_of(registry_events.DocumentReturned)
REGISTRY_DOCUMENT_SIGNED: Final = subject_of(registry_events.DocumentSigned)
REGISTRY_DOCUMENT_ISSUED: Final = subject_of(registry_events.DocumentIssued)
REGISTRY_DOCUMENT_SIGNATURE_CHECKED: Final = subject_of(registry_events.DocumentSignatureChecked)
REGISTRY_DOCUMENT_REGISTERED: Final = subject_of(registry_events.DocumentRegistered)
REGISTRY_DOCUMENT_REJECTED: Final = subject_of(registry_events.DocumentRejected)
REGISTRY_DOCUMENT_CANCELLED: Final = subject_of(registry_events.DocumentCancelled)
REGISTRY_DOCUMENT_REVOCATION_RECORDED: Final = subject_of(registry_events.DocumentRevocationRecorded)
REGISTRY_DOCUMENT_REVOCATION_ACCEPTED: Final = subject_of(registry_events.DocumentRevocationAccepted)
REGISTRY_DOCUMENT_REVOCATION_REFUSED: Final = subject_of(registry_events.DocumentRevocationRefused)
REGISTRY_COPY_NUMBERED: Final = subject_of(registry_events.CopyNumbered)
REGISTRY_REGISTER_START_SET: Final = subject_of(registry_events.RegisterStartSet)
REGISTRY_REGISTER_CLOSED: Final = subject_of(registry_events.RegisterClosed)
REGISTRY_REGISTER_IMPORTED: Final = subject_of(registry_events.RegisterImported)
REGISTRY_AGENCY_UPSERTED: Final = subject_of(registry_events.AgencyUpserted)
REGISTRY_DIRECTORY_IMPORTED: Final = subject_of(registry_events.DirectoryImported)
REGISTRY_UNIT_CHANGED: Final = subject_of(registry_events.UnitChanged)
# -- storage -----------------------------------------------------------------------------------------------------
STORAGE_OBJECT_STORED: Final = subject_of(storage_events.ObjectStored)
STORAGE_OBJECT_DELETED: Final = subject_of(storage_events.ObjectDeleted)
STORAGE_OBJECT_LOCKED: Final = subject_of(storage_events.ObjectLocked)
STORAGE_OBJECT_READ: Final = subject_of(storage_events.ObjectRead)
# -- signing -----------------------------------------------------------------------------------------------------
SIGNING_DOCUMENT_SIGNED: Final = subject_of(signing_events.DocumentSigned)
SIGNING_DOCUMENT_VERIFIED: Final = subject_of(signing_events.DocumentVerified)
SIGNING_PROFILE_UPDATED: Final = subject_of(signing_events.ProfileUpdated)
# -- interchange -------------------------------------------------------------------------------------------------
INTERCHANGE_PACKAGE_DISPATCHED: Final = subject_of(interchange_events.PackageDispatched)
INTERCHANGE_PACKAGE_RECEIVED: Final = subject_of(interchange_events.PackageReceived)
INTERCHANGE_DELIVERY_UPDATED: Final = subject_of(interchange_events.DeliveryUpdated)
# -- workflow ----------------------------------------------------------------------------------------------------
WORKFLOW_INCOMING_ASSIGNED: Final = subject_of(workflow_events.IncomingAssigned)
WORKFLOW_INCOMING_IN_PROGRESS: Final = subject_of(workflow_events.IncomingInProgress)
WORKFLOW_INCOMING_COMPLETED: Final = subject_of(workflow_events.IncomingCompleted)
WORKFLOW_INCOMING_RETURNED: Final = subject_of(workflow_events.IncomingReturned)
WORKFLOW_STEP_RECORDED: Final = subject_of(workflow_events.StepRecorded)
WORKFLOW_OUTGOING_RETURNED: Final = subject_of(workflow_events.OutgoingReturned)
WORKFLOW_JOB_ASSIGNED: Final = subject_of(workflow_events.JobAssigned)
WORKFLOW_JOB_COMPLETED: Final = subject_of(workflow_events.JobCompleted)
WORKFLOW_TASK_REMINDER: Final = subject_of(workflow_events.TaskReminder)
# -- records -----------------------------------------------------------------------------------------------------
RECORDS_FILE_DEPOSIT_DUE: Final = subject_of(records_events.FileDepositDue)
RECORDS_FILE_DEPOSIT_OVERDUE: Final = subject_of(records_events.FileDepositOverdue)
RECORDS_PLAN_SUBMITTED: Final = subject_of(records_events.PlanSubmitted)
RECORDS_PLAN_APPROVED: Final = subject_of(records_events.PlanApproved)
RECORDS_PLAN_RETURNED: Final = subject_of(records_events.PlanReturned)


def _event_types() -> dict[str, type[Message]]:
    found: dict[str, type[Message]] = {}
    for module in EVENT_MODULES.values():
        for name in module.DESCRIPTOR.message_types_by_name:
            message_type: type[Message] = getattr(module, name)
            if message_type.DESCRIPTOR.GetOptions().Extensions[common_events.subject]:
                found[subject_of(message_type)] = message_type
    return found


#: Every event: subject → its message type (read from the ``events.proto`` modules).
EVENT_TYPES: Final[dict[str, type[Message]]] = _event_types()


@dataclass(frozen=True)
class Consumer:
    """A durable pull consumer on the event stream: its name, the subject it reads and the service running it."""

    durable: str
    subject: str
    service: str


#: Signing verifies the signatures of every arrival's files.
SIGNING_ARRIVALS: Final = Consumer("signing-arrivals", REGISTRY_DOCUMENT_ARRIVED, "signing")
#: The registry records signing's verdict on an arrival.
REGISTRY_SIGNATURE_CHECKS: Final = Consumer("registry-signature-checks", SIGNING_DOCUMENT_VERIFIED, "registry")
#: Interchange sends every issued document to its recipients (one edXML package, a delivery per recipient).
INTERCHANGE_ISSUED: Final = Consumer("interchange-issued", REGISTRY_DOCUMENT_ISSUED, "interchange")
#: Interchange's receiving side takes the packages dispatched to agencies of this installation.
INTERCHANGE_DISPATCHED: Final = Consumer("interchange-dispatched", INTERCHANGE_PACKAGE_DISPATCHED, "interchange")
#: An arrival registered (vào sổ) answers its sender with status 03, one returned (từ chối) with 02.
INTERCHANGE_REGISTERED: Final = Consumer("interchange-registered", REGISTRY_DOCUMENT_REGISTERED, "interchange")
INTERCHANGE_REJECTED: Final = Consumer("interchange-rejected", REGISTRY_DOCUMENT_REJECTED, "interchange")
#: The recipient's clerk accepted (15) or refused (16) the sender's revocation or update: answered to the sender.
INTERCHANGE_REVOCATION_ACCEPTED: Final = Consumer("interchange-revocation-accepted",
                                                  REGISTRY_DOCUMENT_REVOCATION_ACCEPTED, "interchange")
INTERCHANGE_REVOCATION_REFUSED: Final = Consumer("interchange-revocation-refused",
                                                 REGISTRY_DOCUMENT_REVOCATION_REFUSED, "interchange")
#: The arrival's processing answers its sender: 04 assigned, 05 in progress, 06 completed (from the workflow).
INTERCHANGE_WORKFLOW_ASSIGNED: Final = Consumer("interchange-workflow-assigned", WORKFLOW_INCOMING_ASSIGNED,
                                                "interchange")
INTERCHANGE_WORKFLOW_IN_PROGRESS: Final = Consumer("interchange-workflow-in-progress", WORKFLOW_INCOMING_IN_PROGRESS,
                                                   "interchange")
INTERCHANGE_WORKFLOW_COMPLETED: Final = Consumer("interchange-workflow-completed", WORKFLOW_INCOMING_COMPLETED,
                                                 "interchange")
#: The registry shows each step of an arrival's processing in the workflow in the document's history.
REGISTRY_WORKFLOW_STEPS: Final = Consumer("registry-workflow-steps", WORKFLOW_STEP_RECORDED, "registry")
#: Accepting a revocation stops the processing of the revoked arrival (its open tasks cancelled).
WORKFLOW_REVOCATIONS: Final = Consumer("workflow-revocations", REGISTRY_DOCUMENT_REVOCATION_ACCEPTED, "workflow")
#: Cancelling a document stops its work: its outgoing circuit, or an arrival's processing (open tasks cancelled).
WORKFLOW_CANCELLATIONS: Final = Consumer("workflow-cancellations", REGISTRY_DOCUMENT_CANCELLED, "workflow")
#: Search indexes every document the registry tells of (metadata, audience and its files' text), as it is now.
SEARCH_DOCUMENTS: Final = Consumer("search-documents", "vanthu.registry.document.*", "search")
#: Files due for deposit and overdue ones reach their creator's and the agency archivists' notifications.
WORKFLOW_DEPOSIT_REMINDERS: Final = Consumer("workflow-deposit-reminders", "vanthu.records.file.*", "workflow")
#: A file plan submitted, approved or returned reaches the leaders' or the submitter's notifications.
WORKFLOW_PLAN_NOTIFICATIONS: Final = Consumer("workflow-plan-notifications", "vanthu.records.plan.*", "workflow")
#: Records logs every read of an archived object, by whatever path it left storage (Decree 30/2020 Appendix VI).
RECORDS_ARCHIVE_READS: Final = Consumer("records-archive-reads", STORAGE_OBJECT_READ, "records")
CONSUMERS: Final = (SIGNING_ARRIVALS, REGISTRY_SIGNATURE_CHECKS, REGISTRY_WORKFLOW_STEPS, INTERCHANGE_ISSUED,
                    INTERCHANGE_DISPATCHED, INTERCHANGE_REGISTERED, INTERCHANGE_REJECTED,
                    INTERCHANGE_REVOCATION_ACCEPTED, INTERCHANGE_REVOCATION_REFUSED, INTERCHANGE_WORKFLOW_ASSIGNED,
                    INTERCHANGE_WORKFLOW_IN_PROGRESS, INTERCHANGE_WORKFLOW_COMPLETED, WORKFLOW_REVOCATIONS,
                    WORKFLOW_CANCELLATIONS,
                    SEARCH_DOCUMENTS, WORKFLOW_DEPOSIT_REMINDERS, WORKFLOW_PLAN_NOTIFICATIONS, RECORDS_ARCHIVE_READS)
#: The services with a NATS user of their own (they publish or consume events).
SERVICES: Final = tuple(sorted({publisher_of(s) for s in EVENT_TYPES} | {c.service for c in CONSUMERS}))


def published_by(service: str) -> list[str]:
    """The subjects ``service`` publishes, sorted."""
    return sorted(s for s in EVENT_TYPES if publisher_of(s) == service)


def consumers_of(service: str) -> list[Consumer]:
    """The durable consumers ``service`` runs."""
    return [c for c in CONSUMERS if c.service == service]
