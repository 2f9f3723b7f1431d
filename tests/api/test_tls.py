"""HTTPS (``serve --tls self-signed``, ``--tls-cert``/``--tls-key``): clients that trust the
local CA reach every endpoint over TLS with two workers (boto3's ConfirmSignUp end to end,
the token endpoint with authlib, the AWS SDK for JavaScript v3 with NODE_EXTRA_CA_CERTS),
beside the plain HTTP listener; plain HTTP or old TLS on the HTTPS port ends only its own
connection; the CA stays across restarts while the server certificate follows the stored
custom domains; a certificate of one's own serves as given."""

from __future__ import annotations

import datetime
import json
import os
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from botocore.config import Config
from botocore.exceptions import SSLError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.api.test_oauth_token import make_m2m
from tests.helpers import ROOT, USERPOOL, Server, free_port

SDK = ROOT / "tests" / "js" / "sdk_v3.mjs"
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
PASSWORD = "Passw0rd!"


class TlsServer(Server):
    """A server with an HTTPS listener on its own port, beside HTTP on ``port``."""

    def __init__(self, tmp: Path, *args: str, **kw: Any) -> None:
        self.tls_port = free_port()
        super().__init__(tmp, "--tls-port", str(self.tls_port), *args, **kw)

    @property
    def https(self) -> str:
        return f"https://localhost:{self.tls_port}"

    @property
    def ca(self) -> str:
        """The local CA the server's output says to trust (its latest start's)."""
        found = re.findall(r"must trust the local CA (\S+):", self.log.read_text())
        assert found, self.log.read_text()
        return str(found[-1])

    def tls_client(self, verify: Any) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.https,
            region_name="us-east-1",
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.key_secret,
            verify=verify,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    srv = TlsServer(tmp_path_factory.mktemp("tls"), "--tls", "self-signed", "--workers", "2")
    srv.start()
    yield srv
    srv.stop()


def _app(idp: Any) -> tuple[str, str]:
    pool = idp.create_user_pool(PoolName="tls", AutoVerifiedAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web")
    return pool["Id"], client["UserPoolClient"]["ClientId"]


def test_boto3_signs_up_and_confirms_over_https_trusting_the_local_ca(tls: TlsServer) -> None:
    idp = tls.tls_client(tls.ca)
    pool_id, cid = _app(idp)
    email = "ann@tls.example.com"
    attrs = [{"Name": "email", "Value": email}]
    idp.sign_up(ClientId=cid, Username="ann", Password=PASSWORD, UserAttributes=attrs)
    idp.confirm_sign_up(ClientId=cid, Username="ann", ConfirmationCode=tls.code(email))
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ann")["UserStatus"] == "CONFIRMED"
    # The same data answers on the HTTP listener; a client that trusts only the public
    # CAs refuses the certificate.
    assert tls.client().admin_get_user(UserPoolId=pool_id, Username="ann")["Username"] == "ann"
    with pytest.raises(SSLError):
        tls.tls_client(True).list_user_pools(MaxResults=1)


def test_the_token_endpoint_over_https_with_authlib(tls: TlsServer) -> None:
    m2m = make_m2m(tls.client())
    session = OAuth2Session(m2m["id"], m2m["secret"])
    url = f"{tls.https}/oauth2/token"
    token = session.fetch_token(url, grant_type="client_credentials", verify=tls.ca)
    assert token["token_type"] == "Bearer" and token["access_token"].count(".") == 2
    with pytest.raises(requests.exceptions.SSLError):
        OAuth2Session(m2m["id"], m2m["secret"]).fetch_token(
            f"{tls.https}/oauth2/token", grant_type="client_credentials"
        )


def test_tls_is_1_2_or_newer_with_alpn_http_1_1(tls: TlsServer) -> None:
    context = ssl.create_default_context(cafile=tls.ca)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", tls.tls_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as conn,
    ):
        assert conn.selected_alpn_protocol() == "http/1.1"
        assert conn.version() in ("TLSv1.2", "TLSv1.3")
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(tls.ca)
    with pytest.warns(DeprecationWarning):
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.1", tls.tls_port), timeout=10) as raw,
        pytest.raises(ssl.SSLError),
    ):
        old.wrap_socket(raw, server_hostname="localhost")
    cbc = ssl.create_default_context(cafile=tls.ca)
    cbc.maximum_version = ssl.TLSVersion.TLSv1_2
    cbc.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA")  # no AEAD: refused
    with (
        socket.create_connection(("127.0.0.1", tls.tls_port), timeout=10) as raw,
        pytest.raises(ssl.SSLError),
    ):
        cbc.wrap_socket(raw, server_hostname="localhost")


def _plain_http_to(port: int) -> bytes:
    """What a plain HTTP request to ``port`` gets back before the connection ends."""
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try:
            while chunk := s.recv(4096):
                got += chunk
        except ConnectionResetError:
            pass
    return got


def test_plain_http_on_the_https_port_ends_only_its_connection(tls: TlsServer) -> None:
    for _ in range(3):
        assert b"200" not in _plain_http_to(tls.tls_port)
    assert requests.get(f"{tls.https}/health", verify=tls.ca, timeout=10).json() == {"status": "ok"}
    assert "Traceback" not in tls.log.read_text()


def test_failed_handshakes_do_not_use_up_the_connections(tmp_path: Path) -> None:
    """A handshake that fails never reaches the connection: without the sweep dropping
    such connections, --max-connections of them would refuse everyone after."""
    srv = TlsServer(
        tmp_path, "--tls", "self-signed", "--max-connections", "2", "--request-timeout", "1"
    )
    srv.start()
    try:
        for _ in range(4):
            _plain_http_to(srv.tls_port)
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = requests.get(f"{srv.https}/health", verify=srv.ca, timeout=5)
                if answer.status_code == 200:
                    break
            except requests.exceptions.RequestException:
                pass
            assert time.monotonic() < deadline, srv.log.read_text()
            time.sleep(0.2)
    finally:
        srv.stop()
    assert "Traceback" not in srv.log.read_text()


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("ca.pem", "server.pem")}


def _names(pem: bytes) -> list[str]:
    cert = x509.load_pem_x509_certificate(pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(n.value) for n in san]


def test_the_local_ca_stays_across_restarts_and_the_leaf_names_custom_domains(
    tmp_path: Path,
) -> None:
    srv = TlsServer(tmp_path, "--tls", "self-signed")
    srv.start()
    try:
        folder = Path(srv.ca).parent
        first = _files(folder)
        assert os.stat(folder / "ca.key").st_mode & 0o777 == 0o600
        assert os.stat(folder / "server.key").st_mode & 0o777 == 0o600
        names = _names(first["server.pem"])
        for name in ("localhost", "127.0.0.1", "::1", "*.auth.us-east-1.amazoncognito.com"):
            assert name in names
        srv.stop()
        srv.start()
        assert _files(folder) == first  # nothing new: the same CA, the same certificate
        idp = srv.client()
        pool_id, _ = _app(idp)
        idp.create_user_pool_domain(
            Domain="auth.tls.example.com",
            UserPoolId=pool_id,
            CustomDomainConfig={"CertificateArn": CERT_ARN},
        )
        srv.stop()
        srv.start()
        again = _files(folder)
        assert again["ca.pem"] == first["ca.pem"]
        assert "auth.tls.example.com" in _names(again["server.pem"])
        # The new certificate verifies for the custom domain against the same CA.
        context = ssl.create_default_context(cafile=srv.ca)
        with (
            socket.create_connection(("127.0.0.1", srv.tls_port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="auth.tls.example.com") as conn,
        ):
            assert conn.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        srv.stop()


def _own_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 it signs: (ca, chain, key) files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=10))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("api.test.example")]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "chain.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def test_a_certificate_of_ones_own_serves_as_given(tmp_path: Path) -> None:
    ca, chain, key = _own_certificate(tmp_path)
    srv = TlsServer(tmp_path, "--tls-cert", str(chain), "--tls-key", str(key))
    srv.start()
    try:
        context = ssl.create_default_context(cafile=str(ca))
        with (
            socket.create_connection(("127.0.0.1", srv.tls_port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="api.test.example") as conn,
        ):
            conn.sendall(b"GET /health HTTP/1.1\r\nHost: api.test.example\r\n\r\n")
            assert conn.recv(4096).startswith(b"HTTP/1.1 200 ")
        assert "must trust the local CA" not in srv.log.read_text()
    finally:
        srv.stop()


def _node_sdk(node: str, url: str, env: dict[str, str], command: str, request: Any) -> Any:
    done = subprocess.run(
        [node, str(SDK), url, command, json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    return done.returncode, done.stdout.strip().splitlines()[-1:], done.stderr


def test_js_sdk_v3_confirms_a_sign_up_over_https_with_node_extra_ca_certs(
    node: str, tls: TlsServer
) -> None:
    pool_id, cid = _app(tls.client())
    email = "bob@tls.example.com"
    trust = {"NODE_EXTRA_CA_CERTS": tls.ca}
    sign_up = {
        "ClientId": cid,
        "Username": "bob",
        "Password": PASSWORD,
        "UserAttributes": [{"Name": "email", "Value": email}],
    }
    status, out, stderr = _node_sdk(node, tls.https, {}, "SignUp", sign_up)
    assert "certificate" in json.loads(out[0])["error"]["message"]  # an unknown CA: refused
    status, out, stderr = _node_sdk(node, tls.https, trust, "SignUp", sign_up)
    assert status == 0, stderr
    assert json.loads(out[0])["output"]["UserConfirmed"] is False
    confirm = {"ClientId": cid, "Username": "bob", "ConfirmationCode": tls.code(email)}
    status, out, stderr = _node_sdk(node, tls.https, trust, "ConfirmSignUp", confirm)
    assert status == 0 and "error" not in json.loads(out[0]), (out, stderr)
    user = tls.client().admin_get_user(UserPoolId=pool_id, Username="bob")
    assert user["UserStatus"] == "CONFIRMED"


def test_https_only_when_the_ports_are_one(tmp_path: Path) -> None:
    """``--tls-port`` equal to ``--port``: one listener, HTTPS; tokens' issuer is https."""
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [USERPOOL, "serve", "--dev", "--db", str(tmp_path / "u.db"), "--port", str(port)]
            + ["--tls-port", str(port), "--tls", "self-signed"],
            stdout=out,
            stderr=out,
            # the CA goes beside the master key: here the SQLite file's own (<db>.key), not
            # the shared one the PostgreSQL runs name in USERPOOL_MASTER_KEY_FILE
            env={k: v for k, v in os.environ.items() if k != "USERPOOL_MASTER_KEY_FILE"},
        )
    try:
        ca = str(tmp_path / "tls" / "ca.pem")
        url = f"https://localhost:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/health", verify=ca, timeout=2).raise_for_status()
                break
            except (requests.exceptions.RequestException, OSError):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert f"on https://127.0.0.1:{port} (db" in log.read_text()
        assert b"200" not in _plain_http_to(port)
        idp = boto3.client(
            "cognito-idp",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="any",
            aws_secret_access_key="any",
            verify=ca,
        )
        pool_id = idp.create_user_pool(PoolName="only")["UserPool"]["Id"]
        config = requests.get(
            f"{url}/{pool_id}/.well-known/openid-configuration", verify=ca, timeout=10
        ).json()
        assert config["issuer"] == f"https://127.0.0.1:{port}/{pool_id}"
    finally:
        proc.terminate()
        proc.wait(10)


def _login_cookies(base: str, app: dict[str, str], verify: Any) -> list[str]:
    from tests.api.test_hosted_flow import CALLBACK

    query = {"client_id": app["id"], "response_type": "code", "redirect_uri": CALLBACK}
    page = requests.get(f"{base}/oauth2/authorize", params=query, verify=verify, timeout=10)
    assert page.status_code == 200 and page.url.split("?")[0].endswith("/login"), page.text
    cookies = [r.headers.get("set-cookie", "") for r in [*page.history, page]]
    assert any(cookies), cookies
    return [c for c in cookies if c]


def test_hosted_pages_over_https_set_secure_cookies(tls: TlsServer) -> None:
    """The pages learn that the request came over TLS (as from a TLS proxy): their cookies
    are Secure there, and not on the HTTP listener, where a browser would drop them."""
    from tests.api.test_hosted_flow import make_app

    app = make_app(tls.client())
    assert all("; Secure" in c for c in _login_cookies(tls.https, app, tls.ca))
    assert not any("Secure" in c for c in _login_cookies(tls.url, app, None))
