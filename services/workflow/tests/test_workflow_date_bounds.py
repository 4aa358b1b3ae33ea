"""Dates a request names lie in 1900-01-01 … 2199-12-31 (vanthu_core.timeutil.FIRST_DAY … LAST_DAY): found by an
attacker's trial, 0001-01-01 and 9999-12-31 overflowed the day arithmetic of the jobs' and inbox's filters, the
dashboard's period and a deadline's start (a 500), or were accepted."""

from __future__ import annotations

import pytest

from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.errors import InvalidArgument
from vanthu_workflow import api

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("build", "field"), [
    (lambda: api.job_filter(pb.ListJobsRequest(date_from="0001-01-01")), "date_from"),
    (lambda: api.job_filter(pb.ListJobsRequest(date_to="9999-12-31")), "date_to"),
    (lambda: api.inbox_filter(pb.ListInboxRequest(date_from="0001-01-01")), "date_from"),
    (lambda: api.inbox_filter(pb.ListInboxRequest(date_to="9999-12-31")), "date_to"),
    (lambda: api._period_date("2200-01-01", "start"), "start"),
    (lambda: api._period_date("1899-12-31", "date_from"), "date_from"),
])
def test_a_day_out_of_range_is_refused_naming_its_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as error:
        build()
    assert error.value.field == field and error.value.reason == "phải là ngày từ 01/01/1900 đến 31/12/2199."


def test_the_first_and_last_days_are_accepted() -> None:
    chosen = api.job_filter(pb.ListJobsRequest(date_from="1900-01-01", date_to="2199-12-31"))
    assert chosen.given_from is not None and chosen.given_before is not None
