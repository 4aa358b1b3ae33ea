"""The arrival's signature report names who signed and when (issue 14: a clerk judges an arrival by its signer)."""

from __future__ import annotations

import datetime as dt

import pytest

from vanthu_signing.arrivals import signer_line
from vanthu_signing.verify import SignatureReport

pytestmark = pytest.mark.unit

SIGNED = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)  # 09:30 in Vietnam
STAMPED = dt.datetime(2026, 12, 1, 2, 31, tzinfo=dt.UTC)


def report(**changes: object) -> SignatureReport:
    fields: dict[str, object] = dict(
        field_name="Signature1",
        signer="Nguyễn Văn Hưởng",
        organisation="Ủy ban nhân dân tỉnh Vĩnh Long",
        title="Chủ tịch",
        intact=True,
        valid=True,
        trusted=True,
        signing_time=SIGNED,
        timestamp_time=STAMPED,
        timestamp_ok=True,
        coverage="ENTIRE_FILE",
        modification_level="NONE",
        modification_ok=True,
    )
    fields.update(changes)
    return SignatureReport(**fields)  # type: ignore[arg-type]


def test_the_signer_line_names_the_signer_title_agency_and_the_timestamped_time_in_vietnam() -> None:
    assert signer_line(report()) == (
        "Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026"
    )


def test_without_a_trusted_timestamp_the_signer_line_gives_the_time_the_signer_wrote() -> None:
    assert (
        signer_line(report(timestamp_ok=False, title="", organisation=""))
        == "Nguyễn Văn Hưởng, ký lúc 09:30 01/12/2026"
    )
    assert (
        signer_line(report(timestamp_time=None, signing_time=None, signer=""))
        == "không rõ người ký — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long)"
    )
