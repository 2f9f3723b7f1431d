"""Codes go out over real SMTP; the outbox keeps text only when told to; ``userpool outbox``."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.helpers import USERPOOL, Server, free_port

PASSWORD = "Corr3ct-Horse!"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 15.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for message in self.messages:
                    if message["To"] == to:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email to {to} within {timeout}s")
                self.arrived.wait(left)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(tmp: Path, smtp: tuple[Inbox, int]) -> Iterator[Callable[..., Server]]:
    """Start a userpool server that sends through the test's SMTP server."""
    started: list[Server] = []

    def start(*extra: str) -> Server:
        srv = Server(
            tmp, "--sender", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp[1]), *extra
        ).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


def new_app(srv: Server) -> tuple[Any, str, str]:
    idp = srv.client()
    pool = idp.create_user_pool(PoolName="smtp", AutoVerifiedAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="app")
    return idp, pool["Id"], client["UserPoolClient"]["ClientId"]


def outbox_row(srv: Server, destination: str, timeout: float = 15.0) -> tuple[str, str | None]:
    """(status, body) of the message to ``destination`` once the relay has finished with it."""
    deadline = time.monotonic() + timeout
    while True:
        rows = srv.sql("SELECT status, body FROM outbox WHERE destination=?", destination)
        assert len(rows) == 1, rows
        status, body = rows[0]
        if status in ("sent", "failed") or time.monotonic() > deadline:
            return status, body
        time.sleep(0.05)


def code_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.findall(r"\b(\d{6})\b", body.get_content())
    assert len(found) == 1, body.get_content()
    return str(found[0])


def test_sign_up_code_arrives_by_smtp_and_confirms_the_user(
    smtp: tuple[Inbox, int], smtp_server: Callable[..., Server]
) -> None:
    inbox, _ = smtp
    srv = smtp_server()
    idp, pool_id, client_id = new_app(srv)

    idp.sign_up(
        ClientId=client_id,
        Username="carol",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
    )
    message = inbox.wait_for("carol@example.com")

    assert message["Subject"] == "Your verification code"
    code = code_in(message)
    idp.confirm_sign_up(ClientId=client_id, Username="carol", ConfirmationCode=code)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="carol")["UserStatus"] == "CONFIRMED"


def test_delivered_message_text_is_dropped_from_the_outbox(
    smtp: tuple[Inbox, int], smtp_server: Callable[..., Server]
) -> None:
    inbox, _ = smtp
    srv = smtp_server()
    idp, _, client_id = new_app(srv)

    idp.sign_up(
        ClientId=client_id,
        Username="dave",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "dave@example.com"}],
    )
    inbox.wait_for("dave@example.com")

    assert outbox_row(srv, "dave@example.com") == ("sent", None)


def test_keep_message_text_keeps_delivered_text_in_the_outbox(
    smtp: tuple[Inbox, int], smtp_server: Callable[..., Server]
) -> None:
    inbox, _ = smtp
    srv = smtp_server("--keep-message-text")
    idp, _, client_id = new_app(srv)

    idp.sign_up(
        ClientId=client_id,
        Username="erin",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "erin@example.com"}],
    )
    code = code_in(inbox.wait_for("erin@example.com"))

    status, body = outbox_row(srv, "erin@example.com")
    assert status == "sent"
    assert body is not None
    assert code in body


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own issuer) and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Logins:
    """An aiosmtpd authenticator for one user: notes each login tried and whether it came
    over TLS."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.tried: list[tuple[str, str, bool]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.tried.append((login, password, session.ssl is not None))
        return AuthResult(success=(login, password) == (self.user, self.password))


@contextlib.contextmanager
def _tls_mail(tmp: Path, trust: bool, username: str) -> Iterator[tuple[Server, Inbox, Logins]]:
    """A mail server that takes mail only after STARTTLS and a login (its certificate
    self-signed; the userpool server trusts it through SSL_CERT_FILE when ``trust``), and
    a userpool server sending to it with --smtp-starttls and --smtp-user; ``username``
    has signed up when the block starts."""
    cert, key = self_signed(tmp)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    inbox, logins, port = Inbox(), Logins("mailer", "s3cret pass"), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        authenticator=logins,
    )
    controller.start()
    env = {"USERPOOL_SMTP_PASSWORD": "s3cret pass"}
    if trust:
        env["SSL_CERT_FILE"] = str(cert)
    srv = Server(
        tmp,
        *("--sender", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)),
        *("--smtp-starttls", "--smtp-user", "mailer"),
        env=env,
    ).start()
    try:
        idp, _, client_id = new_app(srv)
        idp.sign_up(
            ClientId=client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        )
        yield srv, inbox, logins
    finally:
        srv.stop()
        controller.stop()


def test_smtp_starttls_and_login_with_the_password_from_its_variable(tmp: Path) -> None:
    """--smtp-starttls and --smtp-user are options; the password only USERPOOL_SMTP_PASSWORD.
    The SMTP server takes mail only after STARTTLS and a login."""
    with _tls_mail(tmp, True, "gina") as (srv, inbox, logins):
        code_in(inbox.wait_for("gina@example.com"))
    assert logins.tried == [("mailer", "s3cret pass", True)]
    assert "s3cret" not in srv.log.read_text()


def test_starttls_to_an_untrusted_certificate_sends_no_password(tmp: Path) -> None:
    """The SMTP server's certificate is not one the server trusts: delivery fails at the TLS
    handshake, before the login, and the failure is logged."""
    with _tls_mail(tmp, False, "hugo") as (srv, inbox, logins):
        deadline = time.monotonic() + 15
        while "CERTIFICATE_VERIFY_FAILED" not in srv.log.read_text():
            assert time.monotonic() < deadline, srv.log.read_text()
            time.sleep(0.05)  # the relay's failure shows only in the log
    assert logins.tried == [] and inbox.messages == []


def test_outbox_command_prints_destination_and_code(
    server: Server, idp: Any, client: dict[str, Any]
) -> None:
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="frank",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "frank@example.com"}],
    )
    code = server.code("frank@example.com")

    done = subprocess.run(
        [USERPOOL, "outbox", "--db", server.db], capture_output=True, text=True, timeout=30
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    at = [i for i, line in enumerate(lines) if "frank@example.com" in line]
    assert at, done.stdout
    # The message's text (with its code) is on the line after its header line.
    assert code in lines[at[-1] + 1], done.stdout


def test_outbox_command_on_a_missing_database_fails(tmp: Path) -> None:
    missing = tmp / "nowhere" / "userpool.db"
    done = subprocess.run(
        [USERPOOL, "outbox", "--db", str(missing)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    assert str(missing) in done.stderr
