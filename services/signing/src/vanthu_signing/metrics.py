"""Signing's metrics (OpenTelemetry; exported with the service's other telemetry, see :mod:`vanthu_core.telemetry`):
how long what a signature depends on stays valid, so an operator renews it before signing or verification fails.

- ``vanthu.signing.certificate.remaining`` (s): seconds until each certificate the service relies on expires
  (``notAfter``), by ``kind`` (trust_root, chain, tsa, signing) and ``name`` (the CA's common name, or the key label
  of a server-held key; never a person's name). Negative once expired.
- ``vanthu.signing.crl.remaining`` (s): seconds until each loaded CRL's ``nextUpdate``, by ``issuer`` (its common
  name): a CRL past it is stale, and strict verification (Decree 130/2018 Art. 9: the certificate's status at the
  time of signing) cannot trust it.

The chart's PrometheusRule alerts on both (``VanThuCertificateExpiring``: under 30 days; ``VanThuCrlExpiring``: under
6 hours, since CRLs are re-issued daily).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Meter, Observation

from vanthu_signing.keys import KeyRing, common_name


class ValidityMetrics:
    """Observable gauges over ``ring`` (read at each collection, at the ``clock``'s time: UTC-aware datetimes)."""

    def __init__(self, ring: KeyRing, *, meter: Meter | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ring = ring
        self.clock = clock
        meter = meter or metrics.get_meter("vanthu.signing")
        meter.create_observable_gauge("vanthu.signing.certificate.remaining", callbacks=[self._certificates], unit="s",
                                      description="seconds until each certificate the service relies on expires")
        meter.create_observable_gauge("vanthu.signing.crl.remaining", callbacks=[self._crls], unit="s",
                                      description="seconds until each loaded CRL's nextUpdate")

    def _certificates(self, options: CallbackOptions) -> Iterable[Observation]:
        now = self.clock()
        return [Observation((cert.not_valid_after_utc - now).total_seconds(), {"kind": kind, "name": name})
                for kind, name, cert in self.ring.watched_certificates()]

    def _crls(self, options: CallbackOptions) -> Iterable[Observation]:
        now = self.clock()
        return [Observation((crl.next_update_utc - now).total_seconds(), {"issuer": common_name(crl.issuer)})
                for crl in self.ring.loaded_crls() if crl.next_update_utc is not None]
