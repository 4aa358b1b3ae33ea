"""The wire contract of the national document exchange axis (Trục liên thông văn bản quốc gia, VDXP).

- :mod:`vanthu_axis.headers`: the signed ``XroadVnpt-*`` headers, every reconstructed detail in one
  :class:`HeaderScheme` an operator can override (``VANTHU_AXIS_HEADER_SCHEME`` / ``…_FILE``).
- :mod:`vanthu_axis.client`: :class:`AxisClient`, async (httpx): send, list, fetch, acknowledge, directory.
- :mod:`vanthu_axis.model`: endpoints, message types, acknowledgements, received-list entries, agencies.

The wire format is reconstructed from the official VPCP/VNPT Java SDK (regulations.md §2.3) and has not been checked
against the live axis, which cannot be reached from the development machines. No I/O at import time.
"""

from .client import MIB, AxisClient, AxisSettings, Clock, system_clock
from .errors import (
    AxisAuthError,
    AxisError,
    AxisException,
    AxisLimitExceeded,
    AxisProtocolError,
    AxisUnavailable,
    SignatureRejected,
)
from .headers import DEFAULT_SCHEME, ENV_SCHEME, ENV_SCHEME_FILE, HeaderScheme, ReplayGuard, sign, verify
from .model import FAIL, FILE_PART, OK, SERVICE_TYPE, AckStatus, Agency, Endpoint, Knobstick, MessageType

__all__ = [
    "DEFAULT_SCHEME", "ENV_SCHEME", "ENV_SCHEME_FILE", "FAIL", "FILE_PART", "MIB", "OK", "SERVICE_TYPE", "AckStatus",
    "Agency", "AxisAuthError", "AxisClient", "AxisError", "AxisException", "AxisLimitExceeded", "AxisProtocolError",
    "AxisSettings", "AxisUnavailable", "Clock", "Endpoint", "HeaderScheme", "Knobstick", "MessageType",
    "ReplayGuard", "SignatureRejected", "sign", "system_clock", "verify",
]
