"""``userpool serve`` refuses HTTPS files it cannot serve with, at start, saying which file
and why, and exits 2 before it listens: unreadable or missing files, no PEM certificate, no
private key, an encrypted key, a key that is not the certificate's, an expired certificate
or one not valid yet, and options that do not go together (options or USERPOOL_TLS_*)."""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.helpers import USERPOOL, free_port

NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)


def _pair(folder: Path, name: str, start: datetime.datetime, end: datetime.datetime) -> Path:
    """A self-signed certificate ``<name>.pem`` valid from start to end; its key ``<name>.key``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / f"{name}.enc").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass"),
        )
    )
    return folder / f"{name}.pem"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certs")
    _pair(folder, "good", NOW - DAY, NOW + 30 * DAY)
    _pair(folder, "other", NOW - DAY, NOW + 30 * DAY)
    _pair(folder, "expired", NOW - 30 * DAY, NOW - DAY)
    _pair(folder, "later", NOW + DAY, NOW + 30 * DAY)
    (folder / "junk.pem").write_text("not a certificate\n")
    return folder


def _serve(tmp: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    tmp.mkdir(mode=0o700, exist_ok=True)
    done = subprocess.run(
        [USERPOOL, "serve", "--dev", "--db", str(tmp / "u.db"), "--port", str(free_port())]
        + ["--tls-port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("cert", "key", "said"),
    [
        ("missing.pem", "good.key", "cannot read {d}/missing.pem: No such file or directory"),
        ("good.pem", "missing.key", "cannot read {d}/missing.key"),
        ("junk.pem", "good.key", "{d}/junk.pem holds no PEM certificate"),
        ("good.pem", "junk.pem", "{d}/junk.pem holds no PEM private key"),
        ("good.pem", "good.enc", "{d}/good.enc is encrypted"),
        ("good.pem", "other.key", "{d}/other.key is not the key of the certificate in"),
        ("expired.pem", "expired.key", "{d}/expired.pem expired on "),
        ("later.pem", "later.key", "{d}/later.pem is not valid before "),
    ],
)
def test_files_that_cannot_serve_are_refused_at_start(
    tmp_path: Path, files: Path, cert: str, key: str, said: str
) -> None:
    status, stderr = _serve(
        tmp_path / "data", "--tls-cert", str(files / cert), "--tls-key", str(files / key)
    )
    assert status == 2, stderr
    assert said.format(d=files) in stderr
    assert "Traceback" not in stderr


def test_an_unreadable_file_is_refused(tmp_path: Path, files: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    locked = tmp_path / "locked.key"
    locked.write_bytes((files / "good.key").read_bytes())
    locked.chmod(0)
    status, stderr = _serve(
        tmp_path / "data", "--tls-cert", str(files / "good.pem"), "--tls-key", str(locked)
    )
    assert status == 2 and f"cannot read {locked}: Permission denied" in stderr


def test_the_variables_are_checked_as_the_options(tmp_path: Path, files: Path) -> None:
    env = {
        "USERPOOL_TLS_CERT": str(files / "good.pem"),
        "USERPOOL_TLS_KEY": str(files / "other.key"),
    }
    status, stderr = _serve(tmp_path / "data", env=env)
    assert status == 2 and "is not the key of the certificate" in stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--tls-cert", "a.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-key", "a.key"], "--tls-cert and --tls-key go together"),
        (
            ["--tls", "self-signed", "--tls-cert", "a.pem", "--tls-key", "a.key"],
            "--tls self-signed makes its own certificate",
        ),
        (["--tls", "selfsigned"], "invalid choice: 'selfsigned'"),
    ],
)
def test_options_that_do_not_go_together(tmp_path: Path, args: list[str], said: str) -> None:
    status, stderr = _serve(tmp_path / "data", *args)
    assert status == 2 and said in stderr, stderr
