"""Signing latency: the signing service (gRPC, PAdES B-T with the seal/signature image, anchor search, checks)
vs pyHanko called directly in-process with the same key, image, TSA and box, in the same run; and verification
through the service vs pyHanko's ``validate_pdf_signature`` directly.

Aim: the service's overhead (gRPC, anchor search with pdftotext, input checks, the Vietnamese report) stays
within a small factor of raw pyHanko.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu_signing import devseed, pki
from vanthu_signing.signer import Tsa
from vanthu_testing.identity import DevIssuer
from vanthu_testing.ports import free_port, port_open, wait_until

TOPIC = "signing"


def sample_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("BenchSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("BenchSerif", 13)
    c.drawString(100, 760, "Số: [[SO]]")
    c.drawString(320, 760, "[[NGAY]]")
    c.drawString(100, 600, "Ủy ban nhân dân tỉnh Vĩnh Long đề nghị các sở, ban, ngành thực hiện.")
    c.drawCentredString(420, 360, "CHỦ TỊCH")
    c.setFillColorRGB(1, 1, 1)
    c.drawCentredString(420, 320, "[[CHU_KY]]")
    c.setFillColorRGB(0, 0, 0)
    c.drawCentredString(420, 270, "Nguyễn Văn Hưởng")
    c.showPage()
    c.save()
    return buf.getvalue()


def direct_sign(pdf: bytes, p12: bytes, png: bytes, tsa: Tsa) -> bytes:
    """The baseline: pyHanko alone, box given, no anchor search and no checks."""
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=(), passphrase=pki.DEV_P12_PASSWORD)
    meta = signers.PdfSignatureMetadata(field_name="Sig", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    style = StaticStampStyle(background=PdfImage(Image.open(io.BytesIO(png))), border_width=0)
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=tsa.timestamper(), stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec("Sig", on_page=0, box=(355, 295, 485, 355)))
    out = io.BytesIO()
    pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def direct_verify(pdf: bytes, root_der: bytes) -> bool:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(root_der)
    reader = PdfFileReader(io.BytesIO(pdf))
    return all(validate_pdf_signature(s, ValidationContext(trust_roots=[root]),
                                      ValidationContext(trust_roots=[root])).bottom_line
               for s in reader.embedded_signatures)


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vanthu-bench-signing-") as tmp:
        work = Path(tmp)
        made = pki.generate()
        pki.write(made, work / "pki")
        tsa = Tsa(made.tsa.cert, made.tsa.key_pem(), [made.intermediate.cert])
        p12 = (work / "pki" / "personal.p12").read_bytes()
        pdf, png = sample_pdf(), devseed.signature_png()  # the image the dev profile carries
        from cryptography.hazmat.primitives import serialization

        root_der = made.root.cert.public_bytes(serialization.Encoding.DER)
        issuer = DevIssuer(work / "keys").start()
        port = free_port()
        env = {**os.environ, "VANTHU_PROFILE": "dev", "VANTHU_SIGNING_GRPC_PORT": str(port),
               "VANTHU_SIGNING_DEV_PKI_DIR": str(work / "pki"),
               "VANTHU_OIDC_ISSUER": issuer.issuer, "VANTHU_EVENTS_ENABLED": "false", "VANTHU_LOG_LEVEL": "WARNING",
               "VANTHU_SIGNING_DEV_PROFILES": "true", "VANTHU_SIGNING_USERS_FILE": str(issuer.users_file),
               # the baseline embeds and checks no CRLs: compare like with like (B-T, no revocation check)
               "VANTHU_SIGNING_REVOCATION_CHECK": "false",
               "VANTHU_SIGNING_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'signing.db'}"}
        log = (work / "service.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "vanthu_signing"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: port_open(port) or proc.poll() is not None, timeout_s=60, what="signing service")
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            stub = signing_pb2_grpc.SigningServiceStub(channel)
            leader = (("authorization", f"Bearer {issuer.token('lanhdao.ubnd')}"),)
            reader_md = (("authorization", f"Bearer {issuer.token('chuyenvien.ubnd')}"),)
            # bytes in and out (no storage): the service's own cost is the profile lookup, checks and journal
            req = signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=pdf))
            signed = stub.SignPersonal(req, metadata=leader).result.pdf

            svc = timed(lambda: stub.SignPersonal(req, metadata=leader), args.repeat)
            base = timed(lambda: direct_sign(pdf, p12, png, tsa), args.repeat)
            report(TOPIC, "sign_personal_latency_median", svc, base, "ms", higher_is_better=False)

            n = 32
            t = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda _: stub.SignPersonal(req, metadata=leader), range(n)))
            svc_tp = n / (time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(n):
                direct_sign(pdf, p12, png, tsa)
            base_tp = n / (time.perf_counter() - t)
            report(TOPIC, "sign_personal_throughput_8_clients_vs_serial_direct", svc_tp, base_tp, "signatures/s")

            vreq = signing_pb2.VerifyRequest(source=signing_pb2.PdfSource(pdf=signed))
            svc_v = timed(lambda: stub.Verify(vreq, metadata=reader_md), args.repeat)
            base_v = timed(lambda: direct_verify(signed, root_der), args.repeat)
            report(TOPIC, "verify_latency_median", svc_v, base_v, "ms", higher_is_better=False)
            channel.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
            issuer.stop()


if __name__ == "__main__":
    main()
