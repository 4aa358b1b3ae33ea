"""Any valid metadata survives metadata.xml unchanged (hypothesis): Vietnamese text, NFD input, inner whitespace,
XML-special characters, every code list value, optional fields present or absent."""

from __future__ import annotations

import hashlib
import string
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vanthu_archive.metadata import (
    AccessMode,
    ConfidenceLevel,
    CopyKind,
    DocumentMetadata,
    DocumentType,
    FileMetadata,
    Language,
    MetadataError,
    Retention,
    Signer,
    check_file_contents,
)
from vanthu_archive.package import PackagedDocument, metadata_xml, parse_metadata

pytestmark = pytest.mark.unit

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐ"
ALPHABET = VIETNAMESE + VIETNAMESE.upper() + string.digits + " .,;:/-()<>&\"'=\t"


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text up to ``max_size`` (at most 40: the lengths have their own tests), NFD half of the time."""
    return st.text(ALPHABET, min_size=min_size, max_size=min(max_size, 40)).map(
        lambda t: unicodedata.normalize("NFD", t) if len(t) % 2 else t)


def required(max_size: int) -> st.SearchStrategy[str]:
    return text(max_size, 1).filter(lambda t: t.strip() != "")


keywords = st.lists(st.text(VIETNAMESE + " ", min_size=1, max_size=12).filter(str.strip), max_size=4).map(tuple)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def a_file_with_documents(draw: st.DrawFn) -> tuple[FileMetadata, list[DocumentMetadata]]:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 3000)))
    count = draw(st.integers(0, 4))
    abbreviation = draw(st.text("ABCĐTUVX", min_size=1, max_size=6))
    notation = f"{draw(st.integers(1, 99)):02d}.{abbreviation}"
    organ = draw(st.from_regex(r"[A-Z0-9]{1,5}(\.[A-Z0-9]{1,4}){0,3}", fullmatch=True))
    catalogue = draw(st.integers(1, 9999))
    code_of = FileMetadata(organ, catalogue, notation, "x", Retention(), "x", start).file_code
    docs = []
    for ordinal in range(1, count + 1):
        docs.append(DocumentMetadata(
            file_code=code_of, ordinal=ordinal, type=draw(st.sampled_from(DocumentType)),
            issued_date=start + timedelta(days=draw(st.integers(0, (end - start).days))),
            organ_name=draw(required(200)), subject=draw(required(500)), page_amount=draw(st.integers(1, 40)),
            number=draw(text(11)), code_notation=draw(text(30)), language=draw(st.sampled_from(Language)),
            mode=draw(st.sampled_from([AccessMode.PUBLIC, AccessMode.RESTRICTED])),
            confidence_level=draw(st.sampled_from(ConfidenceLevel)), copy_kind=draw(st.sampled_from(CopyKind)),
            signer=draw(st.none() | st.builds(Signer, text(100), required(50))), description=draw(text(500)),
            keywords=draw(keywords), info_sign=draw(text(100)), autograph=draw(text(500)),
            physical_state=draw(text(50)), signed=draw(st.booleans())))
    file = FileMetadata(
        organ_id=organ, catalogue=catalogue, notation=notation,
        title=draw(required(500)), retention=draw(st.sampled_from([Retention(), Retention(5), Retention(20),
                                                                    Retention(99)])),
        creator=draw(required(30)), start_date=start, access_mode=draw(st.sampled_from([AccessMode.PUBLIC,
                                                                                       AccessMode.RESTRICTED])),
        language=draw(st.sampled_from(Language)), end_date=end, doc_total=count,
        page_total=sum(d.page_amount for d in docs), sheet_total=draw(st.none() | st.integers(0, 9999)),
        description=draw(text(500)), keywords=draw(keywords), info_sign=draw(text(100)),
        physical_state=draw(text(50)), archive_identifier=draw(text(13)),
        confidence_level=draw(st.sampled_from(ConfidenceLevel)))
    return file, docs


@SETTINGS
@given(a_file_with_documents())
def test_metadata_round_trips_through_the_xml(case: tuple[FileMetadata, list[DocumentMetadata]]) -> None:
    file, docs = case
    try:
        check_file_contents(file, docs)
    except MetadataError:
        assume(False)  # e.g. keywords longer than 100 characters together
    packaged = [PackagedDocument(d, b"x", "application/pdf", f"documents/{d.code}.pdf", "ORIGINAL",
                                 hashlib.sha256(b"x").hexdigest(), hashlib.sha256(b"x").hexdigest()) for d in docs]
    created = datetime(2027, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    parsed_file, parsed_docs, parsed_created = parse_metadata(metadata_xml(file, packaged, created))
    assert parsed_file == file
    assert [d.metadata for d in parsed_docs] == docs
    assert parsed_created == created
