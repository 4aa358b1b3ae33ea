"""Interchange's metrics (OpenTelemetry; exported with the service's other telemetry when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, see :mod:`vanthu_core.telemetry`):

- ``vanthu.interchange.packages.sent`` (packages): deliveries that left, by ``kind`` (edoc, status) and ``route``
  (local, axis, peer);
- ``vanthu.interchange.packages.received`` (packages): packages taken in, by ``kind`` and ``outcome`` (accepted,
  returned, recorded, held);
- ``vanthu.interchange.deliveries.failed`` (deliveries): deliveries that gave up (no route, or their attempts used),
  by ``kind`` and ``route``;
- ``vanthu.interchange.delivery.latency`` (s): from the package's creation at the sender to its receipt at the
  recipient, for packages that travelled inside this installation (the clocks are the same), by ``kind``.

Attributes never carry agency codes or document ids: the series stay few and say nothing about content.
"""

from __future__ import annotations

from opentelemetry import metrics
from opentelemetry.metrics import Meter


class InterchangeMetrics:
    """The instruments, made from ``meter`` (the global meter provider's by default)."""

    def __init__(self, meter: Meter | None = None) -> None:
        meter = meter or metrics.get_meter("vanthu.interchange")
        self.sent = meter.create_counter("vanthu.interchange.packages.sent", unit="{package}",
                                         description="packages that left, by kind and route")
        self.received = meter.create_counter("vanthu.interchange.packages.received", unit="{package}",
                                             description="packages taken in, by kind and outcome")
        self.failed = meter.create_counter("vanthu.interchange.deliveries.failed", unit="{delivery}",
                                           description="deliveries that gave up, by kind and route")
        self.latency = meter.create_histogram("vanthu.interchange.delivery.latency", unit="s",
                                              description="package created at the sender → taken in here")

    def delivery(self, kind: str, route: str, state: str) -> None:
        """A delivery written or attempted, in ``state`` (sent, failed; pending counts when it goes)."""
        if state == "sent":
            self.sent.add(1, {"kind": kind, "route": route})
        elif state == "failed":
            self.failed.add(1, {"kind": kind, "route": route})

    def taken_in(self, kind: str, outcome: str, latency_s: float | None = None) -> None:
        self.received.add(1, {"kind": kind, "outcome": outcome})
        if latency_s is not None and latency_s >= 0:
            self.latency.record(latency_s, {"kind": kind})


#: The process's instruments (the services' modules record here).
METRICS = InterchangeMetrics()
