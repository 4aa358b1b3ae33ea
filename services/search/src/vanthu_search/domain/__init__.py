"""The search service's rules, without I/O: what a document is in the index, how a query is read, who may see."""
