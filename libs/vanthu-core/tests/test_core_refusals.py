"""One rule for every service's refusals passed on (issue 14): a refusal the person caused (a field, a state, a
permission, a missing thing, someone else's edit) reaches them in the callee's own words, with no internal service
name in front; an outage names the service that did not answer."""

from __future__ import annotations

import grpc
import pytest

from vanthu_core.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from vanthu_core.grpc_client import PERSON_CODES, domain_error
from vanthu_core.grpc_server import status_for

pytestmark = pytest.mark.unit

PREFIX = "Dịch vụ văn bản: "
#: What gRPC says of a service it cannot reach: the cluster's inside (addresses, ports, names), not a civil servant's.
GRPC_WORDS = ("failed to connect to all addresses; last error: UNKNOWN: ipv4:10.0.3.17:50051: Failed to connect to "
              "remote host: Connection refused")


def _error(code: grpc.StatusCode, details: str, trailing: grpc.aio.Metadata | None = None) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing or grpc.aio.Metadata(), details)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (grpc.StatusCode.FAILED_PRECONDITION, FailedPrecondition),
        (grpc.StatusCode.NOT_FOUND, NotFound),
        (grpc.StatusCode.PERMISSION_DENIED, PermissionDenied),
        (grpc.StatusCode.ALREADY_EXISTS, Conflict),
        (grpc.StatusCode.ABORTED, Conflict),
        (grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument),
        (grpc.StatusCode.OUT_OF_RANGE, InvalidArgument),
    ],
)
def test_a_refusal_the_person_caused_is_passed_on_in_the_callees_words_without_the_prefix(
    code: grpc.StatusCode, kind: type[DomainError]
) -> None:
    words = "Chưa trình ký được. Tệp dự thảo thiếu dấu [[SO]]: hãy gõ các dấu đó vào tệp dự thảo rồi tải lại tệp PDF."
    refusal = domain_error(_error(code, words), PREFIX)
    assert isinstance(refusal, kind)
    assert "Dịch vụ" not in refusal.message
    # a field-less InvalidArgument names the request as its field ("Yêu cầu: …"); the words stay the callee's
    assert refusal.message == words if kind is not InvalidArgument else refusal.message.endswith(words)
    assert code in PERSON_CODES


def test_a_field_refusal_keeps_its_field_and_words_without_the_prefix() -> None:
    status = status_for(InvalidArgument("abstract", "Trích yếu không được để trống."))
    trailing = grpc.aio.Metadata(*status.trailing_metadata)
    refusal = domain_error(_error(grpc.StatusCode.INVALID_ARGUMENT, status.details, trailing), PREFIX)
    assert isinstance(refusal, InvalidArgument)
    assert refusal.field == "abstract" and "Dịch vụ" not in refusal.message
    assert refusal.message.endswith("Trích yếu không được để trống.")


@pytest.mark.parametrize(
    "code",
    [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN],
)
def test_an_outage_names_the_service_and_says_what_to_do(code: grpc.StatusCode) -> None:
    outage = domain_error(_error(code, GRPC_WORDS), PREFIX)
    assert isinstance(outage, Unavailable)
    assert outage.message == "Dịch vụ văn bản: dịch vụ tạm thời không phản hồi, hãy thử lại sau ít phút."
    # gRPC's own words name the cluster's addresses and ports: for the log, never for the civil servant
    assert "10.0.3.17" not in outage.message and "failed to connect" not in outage.message


def test_an_outage_in_a_services_own_vietnamese_words_keeps_them_behind_the_prefix() -> None:
    outage = domain_error(
        _error(grpc.StatusCode.UNAVAILABLE, "Kho lưu tệp đang bảo trì, hãy thử lại sau."), "Kho lưu tệp: "
    )
    assert isinstance(outage, Unavailable)
    assert outage.message == "Kho lưu tệp: Kho lưu tệp đang bảo trì, hãy thử lại sau."
