"""The registry's refusals reach the person in its own words (issue 14): a problem meant for the person (a field, a
state: "Chưa trình ký được. …") carries no internal service name in front; an outage still names the service."""

import grpc

from vanthu_core.errors import FailedPrecondition, InvalidArgument, Unavailable
from vanthu_workflow.directory import registry_refusal


def _error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)


def test_a_refusal_meant_for_the_person_is_passed_on_without_the_service_name() -> None:
    missing = "Chưa trình ký được. Tệp dự thảo thiếu dấu [[SO]]: hãy gõ các dấu đó vào tệp dự thảo rồi tải lại tệp PDF."
    refusal = registry_refusal(_error(grpc.StatusCode.FAILED_PRECONDITION, missing))
    assert isinstance(refusal, FailedPrecondition) and refusal.message == missing
    invalid = registry_refusal(_error(grpc.StatusCode.INVALID_ARGUMENT, "Trích yếu không được để trống."))
    assert isinstance(invalid, InvalidArgument) and not invalid.message.startswith("Dịch vụ văn bản")


def test_an_outage_still_names_the_registry() -> None:
    outage = registry_refusal(_error(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses"))
    assert isinstance(outage, Unavailable) and outage.message.startswith("Dịch vụ văn bản: dịch vụ tạm thời")
