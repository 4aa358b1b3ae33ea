"""Interchange's metrics, read with an in-memory reader: deliveries that leave or give up, packages taken in by
outcome, and the latency of a package that travelled inside the installation (the store's injected clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_interchange import store as store_module
from vanthu_interchange.metrics import InterchangeMetrics
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.store import InterchangeStore, NewDelivery, ReceiptRow

pytestmark = pytest.mark.integration
SENT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = SENT

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[
        tuple[InterchangeStore, Clock, InMemoryMetricReader]]:
    reader = InMemoryMetricReader()
    monkeypatch.setattr(store_module, "METRICS", InterchangeMetrics(
        MeterProvider(metric_readers=[reader]).get_meter("test")))
    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    clock = Clock()
    yield InterchangeStore(session_factory(engine), clock=clock), clock, reader
    await engine.dispose()


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    assert data is not None
    return {m.name: list(m.data.data_points) for rm in data.resource_metrics for sm in rm.scope_metrics
            for m in sm.metrics}


async def test_sent_failed_received_and_latency_are_counted_once_committed(
        measured: tuple[InterchangeStore, Clock, InMemoryMetricReader]) -> None:
    store, clock, reader = measured
    await store.add_package(
        package_id="pkg-1", kind="edoc", sender_code="000.00.00.H61", edxml_document_id="x", body=b"<edXML/>",
        sha256="0" * 64, document_id="doc-1", events=lambda rows: [], deliveries=[
            NewDelivery("edoc/doc-1/a", "000.00.02.H61", "", "local", "sent"),
            NewDelivery("edoc/doc-1/b", "000.00.41.H61", "", "local", "sent"),
            NewDelivery("edoc/doc-1/c", "000.00.00.G09", "", "none", "failed", last_error="no route")])
    # the same keys again (a redelivered event) write nothing and count nothing
    await store.add_package(
        package_id="pkg-2", kind="edoc", sender_code="000.00.00.H61", edxml_document_id="x", body=b"<edXML/>",
        sha256="0" * 64, document_id="doc-1", events=lambda rows: [],
        deliveries=[NewDelivery("edoc/doc-1/a", "000.00.02.H61", "", "local", "sent")])
    clock.now = SENT + timedelta(milliseconds=250)
    for recipient in ("000.00.02.H61", "000.00.02.H61"):  # taken in twice: one receipt, counted once
        await store.add_receipt(ReceiptRow(id=f"r-{recipient}", transport_id="pkg-1", package_id="pkg-1", kind="edoc",
                                           recipient_code=recipient, sender_code="000.00.00.H61",
                                           edxml_document_id="x", response_for={}, outcome="accepted",
                                           document_id="arr", reason=""), [])

    found = points(reader)
    sent = {(p.attributes["kind"], p.attributes["route"]): p.value for p in found["vanthu.interchange.packages.sent"]}
    assert sent == {("edoc", "local"): 2}
    failed = found["vanthu.interchange.deliveries.failed"]
    assert [(p.attributes["route"], p.value) for p in failed] == [("none", 1)]
    received = found["vanthu.interchange.packages.received"]
    assert [(p.attributes["outcome"], p.value) for p in received] == [("accepted", 1)]
    (latency,) = found["vanthu.interchange.delivery.latency"]
    assert latency.count == 1 and latency.sum == pytest.approx(0.25)
    assert not any("000." in str(p.attributes) for series in found.values() for p in series)  # no agency codes
