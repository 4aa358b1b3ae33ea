"""Sample PDFs for the archive library's tests: plain reportlab ones (standard fonts, not embedded), one with a
font that has no substitute, and one signed with pyHanko by a self-signed certificate with a fixed validity window."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from reportlab.pdfgen.canvas import Canvas


def _plain_pdf(text: str = "Công văn lưu trữ", *, pages: int = 1, font: str = "Helvetica") -> bytes:
    """A PDF in a standard (unembedded) font; ``text`` is drawn with WinAnsi characters only."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    for page in range(pages):
        canvas.setFont(font, 12)
        canvas.drawString(72, 720, f"{text.encode('cp1252', 'replace').decode('cp1252')} {page + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


PlainPdf = Callable[..., bytes]


@pytest.fixture(scope="session")
def plain_pdf() -> PlainPdf:
    """``plain_pdf(text="…", pages=1, font="Helvetica")``: a PDF in a standard font, not embedded."""
    return _plain_pdf


@pytest.fixture(scope="session")
def signed_pdf() -> bytes:
    """A one-page PDF with a PAdES signature (self-signed ECDSA P-256 certificate valid 2020–2045, so the suite does not
    depend on the date)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key = ec.generate_private_key(ec.SECP256R1())  # instant, unlike an RSA key
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lưu trữ thử nghiệm")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2045, 1, 1, tzinfo=UTC)).sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"t", key, cert, None, serialization.NoEncryption())
    signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=(), passphrase=None)
    writer = IncrementalPdfFileWriter(io.BytesIO(_plain_pdf("Signed original")))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="ChuKy"), signer=signer)
    return out.getvalue()
