"""Typed errors of the axis adapter. Everything this library raises on purpose is an :class:`AxisException`."""

from __future__ import annotations


class AxisException(Exception):
    """Base class: a call to the national axis (trục liên thông) did not do what was asked."""


class AxisError(AxisException):
    """The axis answered and refused: its ``status`` was not ``OK`` (or the HTTP status was a 4xx).

    ``operation`` is the endpoint (``sendEdoc``…), ``error_code``/``error_desc`` are the axis's ``ErrorCode`` and
    ``ErrorDesc`` as sent (often Vietnamese without diacritics, e.g. "Don vi gui … khong dung voi ma da dang ky"),
    ``http_status`` the HTTP status of the answer.
    """

    def __init__(self, operation: str, error_desc: str, *, error_code: str | None = None,
                 http_status: int | None = None) -> None:
        self.operation = operation
        self.error_desc = error_desc
        self.error_code = error_code
        self.http_status = http_status
        code = f" (ErrorCode {error_code})" if error_code not in (None, "") else ""
        http = f", HTTP {http_status}" if http_status is not None else ""
        super().__init__(f"axis refused {operation}{code}{http}: {error_desc or '(no ErrorDesc)'}")


class AxisAuthError(AxisError):
    """The axis refused the signed headers (HTTP 401/403): unknown system id, wrong secret, stale or replayed
    timestamp. Retrying the same request will not help; check ``systemid``/``secret`` and the clock."""


class AxisProtocolError(AxisError):
    """The axis answered something this adapter cannot read (not JSON, no ``status``, no ``DocId``, bad base64)."""


class AxisLimitExceeded(AxisError):
    """An answer is larger than the configured limit (``max_download_bytes``); nothing more of it was read."""


class AxisUnavailable(AxisException):
    """The axis could not be reached or did not answer in time (connection refused, timeout, HTTP 5xx/429), after
    the retries allowed for the operation. The request may or may not have been carried out (for ``sendEdoc``,
    which is never retried, look for the package before sending again)."""

    def __init__(self, operation: str, reason: str, *, attempts: int = 1) -> None:
        self.operation = operation
        self.reason = reason
        self.attempts = attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"axis unavailable for {operation}{tries}: {reason}")


class SignatureRejected(AxisException):
    """Signed headers that do not verify (:func:`vanthu_axis.headers.verify`).

    ``reason`` is one of ``missing-header``, ``unknown-system``, ``bad-hash``, ``sign-header-mismatch``,
    ``malformed-timestamp``, ``stale-timestamp``, ``replayed``; the message names the header at fault.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {message}")
