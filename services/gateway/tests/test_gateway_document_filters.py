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


async def test_the_list_asks_the_registry_for_the_documents_of_a_list_of_tasks_by_id() -> None:
    """The Văn bản đến work tabs read their tasks' documents in one list call by ids (a GetDocument per row would
    log a view each)."""
    from types import SimpleNamespace

    from vanthu.registry.v1 import documents_pb2
    from vanthu_core.auth import Principal
    from vanthu_gateway.routes.documents import list_documents

    asked: list[documents_pb2.ListDocumentsRequest] = []

    class Registry:
        async def ListDocuments(self, request: documents_pb2.ListDocumentsRequest,
                                metadata: object) -> documents_pb2.ListDocumentsResponse:
            asked.append(request)
            return documents_pb2.ListDocumentsResponse()

    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(clients=SimpleNamespace(documents=Registry()))))
    person = Principal(subject="s-1", username="lanhdao.ubnd", name="", agency="000.00.00.H61",
                       roles=frozenset({"leader"}), token="t")
    page = await list_documents(request, person, document_filters(date_field="document"),  # type: ignore[arg-type]
                                page_size=2, ids=["doc-1", "doc-2"])
    assert page.items == [] and list(asked[0].ids) == ["doc-1", "doc-2"] and asked[0].page.page_size == 2
