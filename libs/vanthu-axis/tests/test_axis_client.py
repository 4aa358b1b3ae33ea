"""The axis client against the fake axis over real HTTP: retries only where safe, timeouts, size limits,
persistence of the fake across restarts, strictly increasing timestamps, and no secret in the logs."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest

from vanthu_axis import (
    AxisClient,
    AxisLimitExceeded,
    AxisSettings,
    AxisUnavailable,
    Endpoint,
    MessageType,
    system_clock,
)
from vanthu_testing.fake_axis import FakeAxis
from vanthu_testing.ports import free_port

pytestmark = pytest.mark.integration

A, B = "vxp.test.a", "vxp.test.b"
B_AGENCY = "000.00.00.G22"


def package(size: int = 0) -> bytes:
    """A small package, or one padded to about ``size`` bytes (the axis carries bytes; no parsing needed)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">'
            "<!-- Về việc tổ chức hội nghị tổng kết năm 2026 -->").encode()
    return head + os.urandom(max(0, size - len(head)) // 2).hex().encode() + b"</edXML>"


async def test_idempotent_calls_retry_through_503s(fake_axis: FakeAxis) -> None:
    async with fake_axis.client(A) as a, fake_axis.client(B) as b:
        doc_id = await a.send_edoc(package(), to=[B_AGENCY])
        fake_axis.fail_next(2)
        assert [entry.doc_id for entry in await b.received()] == [doc_id]
        assert fake_axis.calls(Endpoint.RECEIVED_LIST) == 3
        fake_axis.fail_next(1, status=502)
        await b.update_status(doc_id, "done")
        assert fake_axis.deliveries(doc_id) == {B: "done"}


async def test_retries_stop_after_max_attempts_with_axis_unavailable(fake_axis: FakeAxis) -> None:
    fake_axis.fail_next(5)
    async with fake_axis.client(B, max_attempts=3) as b:
        with pytest.raises(AxisUnavailable) as unavailable:
            await b.agencies()
    assert unavailable.value.attempts == 3 and "HTTP 503" in str(unavailable.value)
    assert fake_axis.calls(Endpoint.AGENCIES) == 3


async def test_send_is_never_retried(fake_axis: FakeAxis) -> None:
    fake_axis.fail_next(1)
    async with fake_axis.client(A, max_attempts=5) as a, fake_axis.client(B) as b:
        with pytest.raises(AxisUnavailable):
            await a.send_edoc(package(), to=[B_AGENCY])
        assert fake_axis.calls(Endpoint.SEND_EDOC) == 1
        assert fake_axis.package_count() == 0
        doc_id = await a.send_edoc(package(), to=[B_AGENCY])  # the caller decides to send again
        assert [entry.doc_id for entry in await b.received()] == [doc_id]


async def test_an_unreachable_axis_is_unavailable() -> None:
    settings = AxisSettings(endpoint=f"http://127.0.0.1:{free_port()}", system_id=A, secret="x", max_attempts=2,
                            retry_initial_s=0.01, retry_max_s=0.02, connect_timeout_s=2)
    async with AxisClient(settings) as client:
        with pytest.raises(AxisUnavailable) as unavailable:
            await client.received()
    assert unavailable.value.attempts == 2 and "ConnectError" in unavailable.value.reason


async def test_a_slow_answer_times_out_as_unavailable(fake_axis: FakeAxis) -> None:
    fake_axis.hang_next(1, 3.0)
    async with fake_axis.client(B, timeout_s=0.3, max_attempts=2) as b:
        assert await b.received() == []  # the first attempt timed out, the second was served
    fake_axis.hang_next(1, 3.0)
    async with fake_axis.client(B, timeout_s=0.3, max_attempts=1) as b:
        with pytest.raises(AxisUnavailable, match="timed out"):
            await b.received()


@pytest.mark.parametrize(("size", "limit"), [(20_000, 10_000), (2_500_000, 1_000)],
                         ids=["package-over-limit", "answer-over-limit"])
async def test_a_download_over_the_limit_is_refused_and_stays_listed(fake_axis: FakeAxis, size: int,
                                                                     limit: int) -> None:
    async with fake_axis.client(A) as a, fake_axis.client(B, max_download_bytes=limit) as b:
        doc_id = await a.send_edoc(package(size), to=[B_AGENCY])
        with pytest.raises(AxisLimitExceeded, match="over the limit"):
            await b.get_edoc(doc_id)
        assert [entry.doc_id for entry in await b.received()] == [doc_id]
    async with fake_axis.client(B) as b:  # the default limit (100 MiB) takes it
        assert len(await b.get_edoc(doc_id)) >= size - 100


async def test_the_fake_keeps_packages_and_their_state_across_a_restart(fake_axis: FakeAxis) -> None:
    first, second = package(), package(3000)
    async with fake_axis.client(A) as a, fake_axis.client(B) as b:
        done_id = await a.send_edoc(first, to=[B_AGENCY])
        kept_id = await a.send_edoc(second, to=[B_AGENCY])
        await b.update_status(done_id, "done")
    fake_axis.restart()
    async with fake_axis.client(B) as b:
        assert [entry.doc_id for entry in await b.received()] == [kept_id]
        assert await b.get_edoc(kept_id) == second
    assert fake_axis.deliveries(done_id) == {B: "done"}


async def test_a_frozen_clock_still_signs_every_request_afresh(fake_axis: FakeAxis) -> None:
    frozen = system_clock()
    async with fake_axis.client(B, clock=lambda: frozen) as b:
        for _ in range(5):  # the fake refuses replays: each request must carry new signed headers
            assert await b.received(MessageType.STATUS) == []


async def test_received_filters_by_sending_time(fake_axis: FakeAxis) -> None:
    async with fake_axis.client(A) as a, fake_axis.client(B) as b:
        doc_id = await a.send_edoc(package(), to=[B_AGENCY])
        now = system_clock()
        assert [e.doc_id for e in await b.received(from_date=now - timedelta(hours=1),
                                                   to_date=now + timedelta(hours=1))] == [doc_id]
        assert await b.received(from_date=now + timedelta(hours=1)) == []
        assert await b.received(to_date=now - timedelta(hours=1)) == []


async def test_no_secret_or_signature_reaches_the_logs(fake_axis: FakeAxis, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret_a, secret_b = fake_axis.secret(A), fake_axis.secret(B)
    async with fake_axis.client(A) as a, fake_axis.client(B) as b:
        doc_id = await a.send_edoc(package(), to=[B_AGENCY])
        await b.get_edoc(doc_id)
        await b.update_status(doc_id, "done")
        fake_axis.fail_next(1)
        await b.agencies()
        assert secret_a not in repr(a) and secret_a not in repr(a.settings)
    assert doc_id in caplog.text  # the logs do say what happened
    assert "HTTP 503" in caplog.text
    for forbidden in (secret_a, secret_b, "XroadVnpt", "sign-header"):
        assert forbidden not in caplog.text
