"""The index behind one interface (:class:`vanthu_search.backends.base.Backend`): Tantivy embedded (the default) or
OpenSearch (scale mode). Both are driven by the same clauses (:mod:`vanthu_search.domain.query`) and pass the same
behaviour suite."""
