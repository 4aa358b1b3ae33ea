"""Archival records (hồ sơ) as Decree 30/2020 Art. 28–31, Appendices V–VI and Circular 02/2019/TT-BNV describe them.

A pure library: :mod:`.metadata` (the file and document metadata and their validation), :mod:`.forms` (the
Appendix V forms as PDF and XLSX), :mod:`.package` (export and import of a file as one ZIP package). No I/O beyond
reading the system fonts, no network, no global state at import.
"""

from .metadata import (
    AccessMode,
    ConfidenceLevel,
    Confidentiality,
    CopyKind,
    DocumentMetadata,
    DocumentType,
    FileMetadata,
    Language,
    MetadataError,
    Problem,
    Retention,
    Signer,
    check_file_contents,
    document_code,
    parse_document_code,
    parse_file_code,
)

__all__ = [
    "AccessMode",
    "ConfidenceLevel",
    "Confidentiality",
    "CopyKind",
    "DocumentMetadata",
    "DocumentType",
    "FileMetadata",
    "Language",
    "MetadataError",
    "Problem",
    "Retention",
    "Signer",
    "check_file_contents",
    "document_code",
    "parse_document_code",
    "parse_file_code",
]
