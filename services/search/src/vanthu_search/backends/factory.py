from __future__ import annotations

from vanthu_search.backends.base import Backend
from vanthu_search.settings import SearchSettings


def open_backend(settings: SearchSettings) -> Backend:
    """The backend the settings choose (``VANTHU_SEARCH_BACKEND``)."""
    if settings.backend == "opensearch":
        from vanthu_search.backends.opensearch_backend import OpenSearchBackend

        if not settings.opensearch_url:
            raise RuntimeError("VANTHU_SEARCH_OPENSEARCH_URL is required with VANTHU_SEARCH_BACKEND=opensearch")
        return OpenSearchBackend.connect(settings.opensearch_url, alias=settings.opensearch_alias)
    from vanthu_search.backends.generations import TantivyGenerations

    return TantivyGenerations(settings.index_dir)
