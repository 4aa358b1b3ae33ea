"""Archival augmentation (issue 16 item 4): N signed PDFs of about 1 MB each (PAdES B-LT, as the service signs them)
augmented to PAdES B-LTA (a) through the signing service's AugmentLta (gRPC; the input read from and the result
written to a real storage service; the signatures verified first; journalled) and (b) by pyHanko called directly
on the same bytes in-process (validation data of each signature into the DSS, then a document timestamp), same TSA
and CRLs, in the same run: file after file, each both ways in turn (alternating which goes first), so that both
sides see the same load of a shared machine. With the development TSA in-process, and with an RFC 3161 TSA over
HTTP as production has one (both sides call it); and the latter again with two calls in flight at the service (as a
deposit may send them: one file's storage round trip overlaps another's PDF work) against pyHanko one by one.

Aim (issue 16 "done when"): the service's total time ≤ 1.3 × pyHanko's direct one. ``-n`` for fewer files.
"""

from __future__ import annotations

import argparse
import functools
import io
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
from cryptography import x509

sys.path.insert(0, str(Path(__file__).parent))
import _common
from _common import report
from pyhanko.sign.timestamps import TimeStamper

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_signing import pki
from vanthu_signing import signer as sg
from vanthu_testing.identity import DevIssuer
from vanthu_testing.ports import free_port, port_open, wait_until

TOPIC = "archival"
MiB = 1024 * 1024


def scan(path: Path) -> Path:
    """A scanned-looking page image: 940 x 940 pixels of noise as a JPEG of about 0.8 MB (PDFs embed it as is)."""
    from PIL import Image

    side = 940
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(path, "JPEG", quality=90)
    return path


def base_pdf(index: int, image: Path) -> bytes:
    """A one-page document of about 1 MB (the scan, and a line of text that differs per index)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "BenchSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BenchSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(str(image), 60, 200, 470, 470)
    c.setFont("BenchSerif", 13)
    c.drawString(60, 760, f"Văn bản lưu trữ số {index + 1}")
    c.showPage()
    c.save()
    return buf.getvalue()


@functools.cache
def _signing_kit(directory: Path) -> tuple[sg.P12Key, sg.Tsa, pki.Revocation]:
    seal = sg.P12Key((directory / pki.AGENCY_P12).read_bytes(), pki.DEV_P12_PASSWORD)
    tsa = sg.Tsa.from_p12((directory / pki.TSA_P12).read_bytes(), pki.DEV_P12_PASSWORD)
    revocation = pki.Revocation.from_files([directory / pki.ROOT_CRL, directory / pki.INTERMEDIATE_CRL],
                                           [x509.load_pem_x509_certificate((directory / pki.ROOT_CERT).read_bytes())])
    return seal, tsa, revocation


def prepare(job: tuple[int, Path, Path]) -> bytes:
    """One input: the agency's B-LT signature (no image) on its own ~1 MB document, with the dev PKI in the
    directory given (a worker process reads it)."""
    logging.disable(logging.WARNING)
    index, image, directory = job
    seal, tsa, revocation = _signing_kit(directory)
    return sg.sign_copy(base_pdf(index, image), seal, tsa, form="SY", agency_name=pki.AGENCY_NAME,
                        revocation=revocation).pdf


def direct_lta(pdf: bytes, root: pki.Issued, revocation: pki.Revocation, timestamper: TimeStamper) -> bytes:
    """The baseline: pyHanko alone, B-LT -> B-LTA: each signature's validation data into the DSS
    (``add_validation_info``), then a document timestamp whose TSA's validation data follows it; one timestamper
    for every file, as the service keeps one."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    def context() -> ValidationContext:
        return ValidationContext(trust_roots=[pki.asn1_certificate(root.cert)], crls=revocation.asn1_crls(),
                                 allow_fetching=False, revocation_mode="require")

    data = pdf
    for emb in PdfFileReader(io.BytesIO(data)).embedded_regular_signatures:
        data = add_validation_info(emb, context()).getvalue()
    out = io.BytesIO()
    PdfTimeStamper(timestamper, field_name="Timestamp").timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)), "sha256", validation_context=context(), output=out)
    return out.getvalue()


def upload_requests(data: bytes, name: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name, size_hint=len(data)))
    for start in range(0, len(data), MiB):
        yield storage_pb2.UploadRequest(chunk=data[start:start + MiB])


def start(module: str, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_until(lambda: port_open(port) or proc.poll() is not None, timeout_s=90, what=module)
    if proc.poll() is not None:
        raise RuntimeError(f"{module} exited at start-up: {log.read_text()[-3000:]}")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--files", type=int, default=200, help="how many signed PDFs (default 200)")
    parser.add_argument("--results", type=Path, default=None, help="write results here instead of bench/results.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # pyHanko's note that fetching is off, fontTools' subsetting notes: per file
    if args.results:
        _common.RESULTS = args.results
    with tempfile.TemporaryDirectory(prefix="vanthu-bench-archival-") as tmp:
        work = Path(tmp)
        made = pki.generate()
        pki.write(made, work / "pki")  # the signing service's dev PKI: the same keys, TSA and CRLs as the baseline
        revocation = made.revocation()
        chain = [made.intermediate.cert]
        tsa = sg.Tsa(made.tsa.cert, made.tsa.key_pem(), chain)

        t = time.perf_counter()
        image = scan(work / "scan.jpg")
        with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
            signed = list(pool.map(prepare, [(i, image, work / "pki") for i in range(args.files)]))
        mean_mb = sum(map(len, signed)) / len(signed) / 1e6
        print(f"prepared {len(signed)} signed PDFs of {mean_mb:.2f} MB in {time.perf_counter() - t:.1f} s",
              flush=True)

        issuer = DevIssuer(work / "keys").start()
        storage_port = free_port()
        common = {**os.environ, "VANTHU_PROFILE": "dev", "VANTHU_OIDC_ISSUER": issuer.issuer,
                  "VANTHU_EVENTS_ENABLED": "false", "VANTHU_LOG_LEVEL": "WARNING", "MALLOC_ARENA_MAX": "2"}
        storage_env = {**common, "VANTHU_STORAGE_GRPC_HOST": "127.0.0.1", "VANTHU_STORAGE_GRPC_PORT": str(storage_port),
                       "VANTHU_STORAGE_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'storage.db'}",
                       "VANTHU_STORAGE_DATA_DIR": str(work / "storage"),
                       "VANTHU_SERVICE_CLIENT_ID": "vanthu-storage",
                       "VANTHU_SERVICE_CLIENT_SECRET": issuer.client_secret("vanthu-storage")}
        signing_env = {**common,
                       "VANTHU_SIGNING_DEV_PKI_DIR": str(work / "pki"),
                       "VANTHU_SIGNING_STORAGE_TARGET": f"127.0.0.1:{storage_port}",
                       "VANTHU_SIGNING_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'signing.db'}",
                       "VANTHU_SERVICE_CLIENT_ID": "vanthu-signing",
                       "VANTHU_SERVICE_CLIENT_SECRET": issuer.client_secret("vanthu-signing")}
        procs: list[subprocess.Popen[bytes]] = []
        http_tsa = HttpTsa(tsa)
        try:
            procs.append(start("vanthu_storage", storage_env, storage_port, work / "storage.log"))
            archivist = (("authorization", f"Bearer {issuer.token('luutru.ubnd')}"),)
            with grpc.insecure_channel(f"127.0.0.1:{storage_port}") as channel:
                storage = storage_pb2_grpc.StorageServiceStub(channel)
                ids = [storage.Upload(upload_requests(pdf, f"văn bản {i + 1}.pdf"), metadata=archivist).object.object_id
                       for i, pdf in enumerate(signed)]
            # (a) the development TSA in-process on both sides; (b) an RFC 3161 TSA over HTTP, as production
            # configures one (VANTHU_SIGNING_TSA_URL), called by the service and by the baseline alike
            for label, extra, timestamper, in_flight in (
                    ("local_tsa", {}, tsa.timestamper(), 1),
                    ("http_tsa", {"VANTHU_SIGNING_TSA_URL": http_tsa.url}, sg.HttpTsa(http_tsa.url).timestamper(), 1),
                    ("http_tsa_2_in_flight", {"VANTHU_SIGNING_TSA_URL": http_tsa.url},
                     sg.HttpTsa(http_tsa.url).timestamper(), 2)):
                port = free_port()
                env = {**signing_env, "VANTHU_SIGNING_GRPC_PORT": str(port), **extra}
                proc = start("vanthu_signing", env, port, work / f"signing-{label}.log")
                procs.append(proc)
                with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                    signing = signing_pb2_grpc.SigningServiceStub(channel)
                    service_s, direct_s = interleaved(signing, archivist, ids, signed, made.root, revocation,
                                                      timestamper, in_flight)
                proc.terminate()
                proc.wait(timeout=30)
                n = len(signed)
                report(TOPIC, f"b_lta_augmentation_{n}_files_total_{label}", service_s, direct_s, "s",
                       higher_is_better=False, files=n, mean_mb=round(mean_mb, 2),
                       service_ms_per_file=round(service_s / n * 1000, 1),
                       direct_ms_per_file=round(direct_s / n * 1000, 1))
        finally:
            for proc in reversed(procs):
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
            http_tsa.stop()
            issuer.stop()


def interleaved(signing: signing_pb2_grpc.SigningServiceStub, archivist: tuple[tuple[str, str], ...], ids: list[str],
                signed: list[bytes], root: pki.Issued, revocation: pki.Revocation, timestamper: TimeStamper,
                in_flight: int = 1) -> tuple[float, float]:
    """Seconds spent by the service and by pyHanko directly (after one warm-up each): ``in_flight`` files at a time,
    each group both ways in turn, alternating which goes first, so that both see the same load of the shared
    machine. The service gets the group's calls at once (as a deposit may send them), pyHanko does them one by one."""
    signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=ids[0]), metadata=archivist, timeout=120)
    direct_lta(signed[0], root, revocation, timestamper)

    def augment(object_id: str) -> None:
        reply = signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=object_id), metadata=archivist,
                                   timeout=120)
        assert reply.signatures == 1 and reply.object_id != object_id

    service_s = direct_s = 0.0
    with ThreadPoolExecutor(in_flight) as pool:
        for k, first in enumerate(range(0, len(ids), in_flight)):
            group = range(first, min(first + in_flight, len(ids)))
            for side in ((0, 1) if k % 2 == 0 else (1, 0)):
                t = time.perf_counter()
                if side == 0:
                    list(pool.map(augment, [ids[i] for i in group]))
                    service_s += time.perf_counter() - t
                else:
                    for i in group:
                        assert len(direct_lta(signed[i], root, revocation, timestamper)) > len(signed[i])
                    direct_s += time.perf_counter() - t
    return service_s, direct_s


class HttpTsa:
    """An RFC 3161 timestamp authority over HTTP on a free local port with the development TSA's key behind it."""

    def __init__(self, tsa: sg.Tsa) -> None:
        from asn1crypto import tsp

        stamper = tsa.timestamper()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

if __name__ == "__main__":
    main()
