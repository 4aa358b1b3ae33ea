"""What travels on the national axis besides the packages: endpoint paths, message types, acknowledgements, the
received list's entries ("knobsticks") and the agency directory.

Names and fields come from the official Java SDK (``SDKVXP-2.0.1.jar``: ``KnobstickServiceImp``,
``AgencyServiceImp``, ``model.Knobstick``, ``model.Agency``; regulations.md §2.3) **[S]**; the axis itself was never
reached from here. Every answer is a JSON object with ``status`` (``OK``/``FAIL``), ``ErrorCode`` (``"0"`` on
success) and ``ErrorDesc``, plus ``DocId`` (``sendEdoc``), ``data`` (a list for the lists, the base64 package for
``getEdoc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SERVICE_TYPE = "eDoc"
"""``servicetype`` of every document call."""

OK = "OK"
FAIL = "FAIL"


class Endpoint(StrEnum):
    """Paths below the axis's service endpoint (``{endpoint}/sendEdoc``…), all called with POST by the SDK."""

    SEND_EDOC = "sendEdoc"  # multipart, the package in the part "file_doc"
    RECEIVED_LIST = "getReceivedEdocList"
    SENT_LIST = "getSentEdocList"
    GET_EDOC = "getEdoc"
    UPDATE_STATUS = "updateStatus"
    AGENCIES = "getAgenciesList"


#: Name of the multipart part carrying the package in ``sendEdoc`` (SDK ``HttpConnection``).
FILE_PART = "file_doc"


class MessageType(StrEnum):
    """``messagetype``: a document package (gói tin văn bản) or a status package (gói tin trạng thái)."""

    EDOC = "edoc"
    STATUS = "status"


class AckStatus(StrEnum):
    """``updateStatus``: the transport acknowledgement of a received package (not the business status 01–16)."""

    DONE = "done"  # persisted: the axis stops listing it
    FAIL = "fail"  # could not be taken in: it stays listed
    PROCESSING = "processing"


def _text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` present (case-insensitively) as text; ``None`` when absent or null."""
    lower = {str(k).lower(): v for k, v in data.items()}
    for key in keys:
        value = lower.get(key.lower())
        if value is not None:
            return value if isinstance(value, str) else str(value)
    return None


@dataclass(frozen=True)
class Knobstick:
    """One entry of ``getReceivedEdocList``: a package waiting for this system.

    ``doc_id`` is the axis's id (24 hex digits or a UUID); ``sender`` the ``from`` it was sent with; ``recipients``
    the ``to`` as the axis gives it (text, unparsed); ``status``/``status_desc`` the delivery state; the times are
    the axis's text (format not documented). ``raw`` keeps the whole entry.
    """

    doc_id: str
    message_type: str | None = None
    service_type: str | None = None
    sender: str | None = None
    recipients: str | None = None
    status: str | None = None
    status_desc: str | None = None
    created_time: str | None = None
    updated_time: str | None = None
    raw: Mapping[str, Any] | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Knobstick:
        """:raises ValueError: the entry has no ``docId``."""
        doc_id = _text(data, "docId", "id")
        if not doc_id:
            raise ValueError(f"a received-list entry without docId: {sorted(data)}")
        return cls(doc_id=doc_id, message_type=_text(data, "messageType"), service_type=_text(data, "serviceType"),
                   sender=_text(data, "from"), recipients=_text(data, "to"), status=_text(data, "status"),
                   status_desc=_text(data, "status_desc", "statusDesc"), created_time=_text(data, "created_time"),
                   updated_time=_text(data, "updated_time"), raw=dict(data))

    def to_wire(self) -> dict[str, str]:
        """The entry as the axis lists it (what the fake axis answers)."""
        values = {"docId": self.doc_id, "messageType": self.message_type, "serviceType": self.service_type,
                  "from": self.sender, "to": self.recipients, "status": self.status, "status_desc": self.status_desc,
                  "created_time": self.created_time, "updated_time": self.updated_time}
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Agency:
    """One agency (cơ quan, đơn vị) of the axis directory (``getAgenciesList``).

    ``code`` is its identifier code (mã định danh, ≤ 35 chars), ``pid`` the directory id of its parent, ``old_code``
    and ``code102`` the other code forms the axis keeps (QĐ 20/2020 vs QCVN 102). ``raw`` keeps the whole entry.
    """

    id: str
    code: str
    name: str = ""
    pid: str | None = None
    mail: str | None = None
    old_code: str | None = None
    code102: str | None = None
    raw: Mapping[str, Any] | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Agency:
        """:raises ValueError: the entry has no ``code``."""
        code = _text(data, "code")
        if not code:
            raise ValueError(f"an agency entry without code: {sorted(data)}")
        return cls(id=_text(data, "id") or "", code=code, name=_text(data, "name") or "", pid=_text(data, "pid"),
                   mail=_text(data, "mail"), old_code=_text(data, "oldCode"), code102=_text(data, "code102"),
                   raw=dict(data))

    def to_wire(self) -> dict[str, str]:
        values = {"id": self.id, "pid": self.pid, "code": self.code, "name": self.name, "mail": self.mail,
                  "oldCode": self.old_code, "code102": self.code102}
        return {k: v for k, v in values.items() if v is not None}
