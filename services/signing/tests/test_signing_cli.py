"""``vanthu-signing profile``: the operator binds keys and certificates to people and agencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from vanthu_signing import cli, pki
from vanthu_testing.identity import demo_users_file

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
    monkeypatch.setenv("VANTHU_SIGNING_USERS_FILE", str(demo_users_file()))  # as make dev sets it

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
    lines = [line.split("\t")[:5] for line in listed.stdout.splitlines()]
    assert lines == [["000.00.00.H61", "personal", "lanhdao.ubnd", subject("lanhdao.ubnd"), "key personal"],
                     ["000.00.00.H61", "personal", "truongphong.ubnd", subject("truongphong.ubnd"),
                      "remote certificate"]]
    assert run("delete", "--agency", "000.00.00.H61", "--user", "lanhdao.ubnd").returncode == 0
    assert run("delete", "--agency", "000.00.00.H61", "--user", "lanhdao.ubnd").returncode == 1


def test_bad_profiles_are_refused_with_a_message(tmp_path: Path, run: Callable[..., Result],
                                                 make_png: Callable[..., bytes]) -> None:
    jpeg = tmp_path / "seal.jpg"
    jpeg.write_bytes(make_png((220, 0, 0), fmt="JPEG", mode="RGB"))
    bad_image = run("set", "--agency", "000.00.00.H61", "--seal", "--key", "agency", "--image", str(jpeg))
    assert bad_image.returncode == 1 and "không phải ảnh PNG" in bad_image.stderr
    bad_label = run("set", "--agency", "000.00.00.H61", "--seal", "--key", "../../etc/passwd")
    assert bad_label.returncode == 2 and "--key" in bad_label.stderr
    no_key = run("set", "--agency", "000.00.00.H61", "--seal")
    assert no_key.returncode == 1 and "cần nhãn khóa hoặc chứng thư số" in no_key.stderr
    assert run("list").stdout == ""


def subject(username: str) -> str:
    """The demo user's subject, as the dev issuer's users file gives it (and its tokens carry)."""
    import yaml

    users = yaml.safe_load(demo_users_file().read_text(encoding="utf-8"))["users"]
    return str(next(u["subject"] for u in users if u["username"] == username))


def test_a_person_is_bound_by_subject_resolved_from_the_users_file_or_given_as_subject(
        tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11, item 3: the profile belongs to the subject; the username is resolved (dev issuer's users file, a
    Keycloak export) or given for display next to ``--subject``; a username nobody can resolve is refused."""
    by_name = run("set", "--agency", "000.00.00.H61", "--user", "lanhdao.ubnd", "--key", "personal")
    assert by_name.returncode == 0 and subject("lanhdao.ubnd") in by_name.stdout, by_name.stderr
    keycloak = tmp_path / "keycloak-users.json"  # kcadm.sh get users -r vanthu --fields id,username
    keycloak.write_text('[{"id": "8d6f0c3e-kc-1", "username": "lanhdao.snv"}]', encoding="utf-8")
    exported = run("set", "--agency", "000.00.02.H61", "--user", "lanhdao.snv", "--users-file", str(keycloak),
                   "--key", "personal")
    assert exported.returncode == 0 and "8d6f0c3e-kc-1" in exported.stdout, exported.stderr
    monkeypatch.delenv("VANTHU_SIGNING_USERS_FILE")
    unknown = run("set", "--agency", "000.00.41.H61", "--user", "lanhdao.longchau", "--key", "personal")
    assert unknown.returncode == 2 and "--subject" in unknown.stderr
    given = run("set", "--agency", "000.00.41.H61", "--subject", "4e1f-sub-of-nghia", "--user", "lanhdao.longchau",
                "--key", "personal")
    assert given.returncode == 0, given.stderr
    renamed = run("set", "--agency", "000.00.41.H61", "--subject", "4e1f-sub-of-nghia", "--user", "nghia.hv")
    assert renamed.returncode == 0, renamed.stderr  # the same profile: only the name shown changes
    lines = [line.split("\t")[:5] for line in run("list", "--agency", "000.00.41.H61").stdout.splitlines()]
    assert lines == [["000.00.41.H61", "personal", "nghia.hv", "4e1f-sub-of-nghia", "key personal"]]
    assert run("delete", "--agency", "000.00.41.H61", "--subject", "4e1f-sub-of-nghia").returncode == 0
    assert run("set", "--agency", "000.00.41.H61", "--seal", "--subject", "x", "--key", "agency").returncode == 2


def test_the_help_says_where_the_operator_finds_a_subject(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["profile", "set", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--subject" in text and "Keycloak" in text and "Users" in text and "--users-file" in text
