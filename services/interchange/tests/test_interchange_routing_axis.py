"""Routes and the national axis's settings: a recipient not served here goes to the axis only when the axis is
configured (endpoint, system id and secret), the secret never shows, and the header scheme is the axis adapter's own
environment setting (``VANTHU_AXIS_HEADER_SCHEME``; the wire contract is reconstructed, regulations.md §2.3)."""

from __future__ import annotations

import pytest

from vanthu_interchange.routing import AXIS, LOCAL, NONE, Router
from vanthu_interchange.settings import InterchangeSettings

pytestmark = pytest.mark.unit


def test_a_recipient_not_served_here_goes_to_the_axis_only_when_the_axis_is_configured() -> None:
    assert Router(("*.H61",), axis=True).route("000.00.02.H61") == LOCAL
    assert Router(("*.H61",), axis=True).route("000.00.00.G09") == AXIS
    assert Router(("*.H61",)).route("000.00.00.G09") == NONE


def test_the_axis_is_configured_by_url_system_id_and_secret_and_the_secret_never_shows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert not InterchangeSettings().axis_configured
    monkeypatch.setenv("VANTHU_INTERCHANGE_AXIS_URL", "https://truc.example.gov.vn/")
    monkeypatch.setenv("VANTHU_INTERCHANGE_AXIS_SYSTEM_ID", "vxp.vinhlong")
    assert not InterchangeSettings().axis_configured  # no secret: no axis
    with pytest.raises(ValueError, match="VANTHU_INTERCHANGE_AXIS_SECRET"):
        InterchangeSettings().axis_settings()
    monkeypatch.setenv("VANTHU_INTERCHANGE_AXIS_SECRET", "bi-mat-cua-tinh")
    monkeypatch.setenv("VANTHU_AXIS_HEADER_SCHEME", '{"key_separator": ","}')
    settings = InterchangeSettings()
    assert settings.axis_configured and "bi-mat-cua-tinh" not in repr(settings)
    axis = settings.axis_settings()
    assert axis.endpoint == "https://truc.example.gov.vn" and axis.system_id == "vxp.vinhlong"
    assert axis.sender == "vxp.vinhlong" and axis.scheme.key_separator == ","
    assert "bi-mat-cua-tinh" not in repr(axis)
