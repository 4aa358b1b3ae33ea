"""``vanthu-signing profile``: the operator binds keys and certificates to people and agencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from vanthu_signing import cli, pki

pytestmark = pytest.mark.integration


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """The command line, in-process (its exit code and output), on a database of its own."""
    monkeypatch.setenv("VANTHU_SIGNING_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}")

    def call(*args: str) -> Result:
        try:
            code = cli.main(["profile", *args])
        except SystemExit as exit_:  # argparse refusals
            code = int(exit_.code or 0)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return call


def test_operator_binds_lists_and_removes_profiles(tmp_path: Path, run: Callable[..., Result],
                                                   make_png: Callable[..., bytes]) -> None:
    image = tmp_path / "chữ ký.png"
    image.write_bytes(make_png((20, 40, 200)))
    made = pki.generate()
    cert = tmp_path / "usb-token.crt"
    from cryptography.hazmat.primitives.serialization import Encoding

    cert.write_bytes(made.personal.cert.public_bytes(Encoding.PEM))
    bound = run("set", "--agency", "000.00.00.H61", "--user", "lanhdao.ubnd", "--key", "personal",
                "--image", str(image))
    assert bound.returncode == 0, bound.stderr
    remote = run("set", "--agency", "000.00.00.H61", "--user", "truongphong.ubnd", "--certificate",
                 str(cert), "--image", str(image))
    assert remote.returncode == 0 and "remote certificate" in remote.stdout, remote.stderr
    listed = run("list", "--agency", "000.00.00.H61")
    assert listed.returncode == 0
    lines = [line.split("\t")[:4] for line in listed.stdout.splitlines()]
    assert lines == [["000.00.00.H61", "personal", "lanhdao.ubnd", "key personal"],
                     ["000.00.00.H61", "personal", "truongphong.ubnd", "remote certificate"]]
    assert run("delete", "--agency", "000.00.00.H61", "--user", "lanhdao.ubnd").returncode == 0
    assert run("delete", "--agency", "000.00.00.H61", "--user", "lanhdao.ubnd").returncode == 1


def test_bad_profiles_are_refused_with_a_message(tmp_path: Path, run: Callable[..., Result],
                                                 make_png: Callable[..., bytes]) -> None:
    jpeg = tmp_path / "seal.jpg"
    jpeg.write_bytes(make_png((220, 0, 0), fmt="JPEG", mode="RGB"))
    bad_image = run("set", "--agency", "000.00.00.H61", "--seal", "--key", "agency", "--image", str(jpeg))
    assert bad_image.returncode == 1 and "not a PNG" in bad_image.stderr
    bad_label = run("set", "--agency", "000.00.00.H61", "--seal", "--key", "../../etc/passwd")
    assert bad_label.returncode == 2 and "--key" in bad_label.stderr
    no_key = run("set", "--agency", "000.00.00.H61", "--seal")
    assert no_key.returncode == 1 and "needs a key label or a certificate" in no_key.stderr
    assert run("list").stdout == ""
