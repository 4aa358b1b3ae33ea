"""XML signatures with a throwaway self-signed certificate, and the command line."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vanthu_edxml import (
    Attachment,
    Code,
    DocumentPackage,
    DocumentType,
    Organization,
    PromulgationInfo,
    read_document,
    sign,
    verify,
    write_document,
)
from vanthu_edxml.cli import main

HEADER_TEXT = "Sở Nội vụ tỉnh Vĩnh Long"


@pytest.fixture(scope="module")
def key_and_cert() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Văn thư thử nghiệm")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=7)).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def package_bytes() -> bytes:
    pkg = DocumentPackage(
        sender=Organization("000.00.02.H61", HEADER_TEXT), recipients=(Organization("000.00.00.H61", "UBND tỉnh"),),
        document_id="000.00.02.H61,2025/07/01,12/SNV-VP", code=Code("12", "SNV-VP"),
        promulgation=PromulgationInfo("Vĩnh Long", dt.date(2025, 7, 1)), subject="V/v đề nghị hướng dẫn",
        document_type=DocumentType("1", "0", "Công văn"),
        attachments=(Attachment.from_bytes("cid:1", "công văn.pdf", b"%PDF-1.4 test"),))
    return write_document(pkg)


def test_signed_package_verifies_and_one_changed_character_breaks_it(
        key_and_cert: tuple[bytes, bytes], package_bytes: bytes) -> None:
    key, cert = key_and_cert
    signed = sign(package_bytes, key, cert)
    outcome = verify(signed, cert)
    assert outcome.ok and outcome.signer == "CN=Văn thư thử nghiệm"
    assert read_document(signed).signature_slot == "present"
    assert read_document(signed) == read_document(package_bytes)

    tampered = signed.replace("Vĩnh Long".encode(), "Vĩnh Lonh".encode(), 1)
    assert tampered != signed
    assert verify(tampered, cert).status == "invalid"


def test_unsigned_and_foreign_key(key_and_cert: tuple[bytes, bytes], package_bytes: bytes) -> None:
    _key, cert = key_and_cert
    assert verify(package_bytes, cert).status == "unsigned"
    empty_slot = package_bytes.replace(b"</edXML:edXMLHeader>", b"<edXML:DigitalSignature/></edXML:edXMLHeader>")
    assert read_document(empty_slot).signature_slot == "empty"
    assert verify(empty_slot, cert).status == "unsigned"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_cert = x509.load_pem_x509_certificate(cert)
    assert other_key  # a different key signing under the pinned certificate must not verify
    wrong = sign(package_bytes, other_key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()),
                 other_cert.public_bytes(serialization.Encoding.PEM))
    assert verify(wrong, cert).status == "invalid"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_cli_show_validate_build(tmp_path: Path, package_bytes: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "goi tin.edxml"
    source.write_bytes(package_bytes)
    code, out = run(["show", str(source)], capsys)
    assert code == 0 and HEADER_TEXT in out and "12/SNV-VP" in out
    code, out = run(["validate", str(source)], capsys)
    assert code == 0 and "valid" in out
    code, out = run(["show", "--json", str(source)], capsys)
    model = json.loads(out)
    assert model["sender"]["name"] == HEADER_TEXT
    model["attachments"] = []
    spec = tmp_path / "model.json"
    spec.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
    built = tmp_path / "built.edxml"
    code, _ = run(["build", str(spec), "-o", str(built)], capsys)
    assert code == 0 and read_document(built.read_bytes()).subject == "V/v đề nghị hướng dẫn"

    invalid = tmp_path / "invalid.edxml"
    invalid.write_bytes(package_bytes.replace(b"<edXML:CodeNumber>12<", b"<edXML:CodeNumber>13<"))
    code, out = run(["validate", str(invalid)], capsys)
    assert code == 1 and "MessageHeader/DocumentId" in out
    code, _ = run(["validate", "--received", str(invalid)], capsys)
    assert code == 0


def test_cli_sign_verify_and_exit_codes(tmp_path: Path, key_and_cert: tuple[bytes, bytes], package_bytes: bytes,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    key, cert = key_and_cert
    (tmp_path / "k.pem").write_bytes(key)
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "p.edxml").write_bytes(package_bytes)
    code, _ = run(["sign", str(tmp_path / "p.edxml"), "--key", str(tmp_path / "k.pem"), "--cert",
                   str(tmp_path / "c.pem"), "-o", str(tmp_path / "s.edxml")], capsys)
    assert code == 0
    code, out = run(["verify", str(tmp_path / "s.edxml"), "--cert", str(tmp_path / "c.pem")], capsys)
    assert code == 0 and "valid" in out
    code, out = run(["verify", str(tmp_path / "p.edxml"), "--cert", str(tmp_path / "c.pem")], capsys)
    assert code == 1 and "unsigned" in out
    (tmp_path / "bad.edxml").write_bytes(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>')
    assert run(["show", str(tmp_path / "bad.edxml")], capsys)[0] == 2
    assert run(["show", str(tmp_path / "missing.edxml")], capsys)[0] == 2
    assert run(["frobnicate"], capsys)[0] == 2


def test_cli_help_runs_as_a_subprocess() -> None:
    result = subprocess.run([sys.executable, "-m", "vanthu_edxml.cli", "--help"], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0
    for command in ("show", "validate", "build", "sign", "verify"):
        assert command in result.stdout
