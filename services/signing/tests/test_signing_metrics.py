"""The validity gauges (issue 17: the chart alerts on a certificate or a CRL near expiry): seconds left for each
certificate the service relies on and each loaded CRL, at the injected clock, with the dev PKI issued at a fixed time
(fixed validity windows), never naming a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from vanthu_signing import pki
from vanthu_signing.keys import KeyRing
from vanthu_signing.metrics import ValidityMetrics
from vanthu_signing.settings import SigningSettings

pytestmark = pytest.mark.unit

ISSUED = datetime(2031, 6, 11, 3, 0, tzinfo=UTC)
DAY = 86_400.0


def gauges(reader: InMemoryMetricReader) -> dict[str, dict[tuple[Any, ...], float]]:
    found: dict[str, dict[tuple[Any, ...], float]] = {}
    data = reader.get_metrics_data()
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found[metric.name] = {tuple(sorted(p.attributes.items())): p.value for p in metric.data.data_points}
    return found


def test_each_certificate_and_crl_reports_the_seconds_it_has_left(tmp_path: Path) -> None:
    pki.write(pki.generate(now=ISSUED), tmp_path / "dev-pki")
    ring = KeyRing.load(SigningSettings(dev_pki_dir=str(tmp_path / "dev-pki"), dev_profiles=True), development=True)
    ring.certificate("agency")
    ring.certificate("personal")  # a person's key: named by its label, not by the person's name
    reader = InMemoryMetricReader()
    now = ISSUED + timedelta(days=100)
    ValidityMetrics(ring, meter=MeterProvider(metric_readers=[reader]).get_meter("test"), clock=lambda: now)

    found = gauges(reader)
    certificates = {(dict(k)["kind"], dict(k)["name"]): v
                    for k, v in found["vanthu.signing.certificate.remaining"].items()}
    assert certificates == {
        ("trust_root", "VanThu Dev Root CA"): (3650 - 100) * DAY,
        ("chain", "VanThu Dev Intermediate CA"): (3650 - 100) * DAY,
        ("tsa", "VanThu Dev TSA"): (730 - 100) * DAY,
        ("signing", "agency"): (730 - 100) * DAY,
        ("signing", "personal"): (730 - 100) * DAY,
    }
    assert pki.PERSONAL_NAME not in {name for _, name in certificates}
    # the dev CRLs are current for 30 days from five minutes before their issue: 100 days later they are stale
    crls = {dict(k)["issuer"]: v for k, v in found["vanthu.signing.crl.remaining"].items()}
    stale = (30 - 100) * DAY - 300
    assert crls == {"VanThu Dev Root CA": stale, "VanThu Dev Intermediate CA": stale}

    later = now + timedelta(days=700)  # the end-entity certificates have expired: negative, still reported
    ValidityMetrics(ring, meter=MeterProvider(metric_readers=[reader2 := InMemoryMetricReader()]).get_meter("t"),
                    clock=lambda: later)
    expired = {dict(k)["name"]: v for k, v in gauges(reader2)["vanthu.signing.certificate.remaining"].items()}
    assert expired["agency"] == (730 - 800) * DAY and expired["VanThu Dev Root CA"] == (3650 - 800) * DAY
