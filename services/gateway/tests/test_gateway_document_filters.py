"""The list's filters as the registry gets them: the clerk's to-do of revocation requests (issue 14 review item 4)
asks for the arrivals whose sender asked (``revocation=requested``)."""

import pytest

from vanthu_gateway.routes.documents import document_filters

pytestmark = pytest.mark.unit


def test_the_revocation_filter_reaches_the_registry_request() -> None:
    request = document_filters(revocation="requested", date_field="document")
    assert (request.revocation, request.status, request.text) == ("requested", "", "")
    assert document_filters(date_field="document").revocation == ""


def test_words_of_a_senders_name_reach_the_registry_request() -> None:
    """A sender typed by hand has no code: the clerk's issuer filter sends words of its name (issuer_q)."""
    request = document_filters(issuer_q="phú quý", date_field="document")
    assert (request.issuer_text, request.issuing_agency_code, request.text) == ("phú quý", "", "")
    assert document_filters(date_field="document").issuer_text == ""
