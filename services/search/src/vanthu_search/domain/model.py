"""What the index holds of a document and what a search asks and answers (the same for every backend)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The facets every search counts, by the indexed field they count.
FACETS = ("type_code", "year", "issuing_agency_code", "direction", "status")
SORTS = ("relevance", "date")


@dataclass(frozen=True)
class IndexedDocument:
    """One document (văn bản) of one agency as the index keeps it.

    ``audience``: the principals inside ``agency_code`` who may open it ("*", "role:<role>", "unit:<unit code>",
    "user:<sub>"); empty: nobody. ``content``: the text of its files (extracted or read by OCR), NFC.
    ``document_date``: yyyy-mm-dd or empty; ``year`` is its year (0 without a date).
    """

    id: str
    agency_code: str
    audience: tuple[str, ...]
    direction: str = ""
    status: str = ""
    type_code: str = ""
    type_name: str = ""
    number_symbol: str = ""
    abstract: str = ""
    issuing_agency_code: str = ""
    issuing_agency_name: str = ""
    signer: str = ""
    urgency: str = ""
    register_id: str = ""
    number: int = 0
    document_date: str = ""
    content: str = ""

    @property
    def year(self) -> int:
        return int(self.document_date[:4]) if len(self.document_date) >= 4 and self.document_date[:4].isdigit() \
            else 0

    @property
    def date_key(self) -> int:
        """yyyymmdd as a number (0 without a date): the order of ``sort=date``."""
        digits = self.document_date.replace("-", "")[:8]
        return int(digits) if len(digits) == 8 and digits.isdigit() else 0

    @property
    def metadata_text(self) -> str:
        """The metadata searched as words: number and symbol, summary, type, issuing agency, signer."""
        return "\n".join(part for part in (self.number_symbol, self.abstract, self.type_name,
                                           self.issuing_agency_name, self.signer) if part)


@dataclass(frozen=True)
class Filters:
    type_code: str = ""
    year: int = 0
    issuing_agency_code: str = ""
    direction: str = ""
    status: str = ""

    def any(self) -> bool:
        return bool(self.type_code or self.year or self.issuing_agency_code or self.direction or self.status)


@dataclass(frozen=True)
class Caller:
    """Who searches: their agency (from the verified token) and their principals (:mod:`.access`)."""

    agency_code: str
    principals: frozenset[str]


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Highlight:
    field: str
    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Hit:
    document: IndexedDocument
    score: float
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class Result:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
