"""The HTTPS listener's certificate: one given (``--tls-cert``/``--tls-key``), checked at
start, or one made here (``--tls self-signed``) by a local CA.

Given files are refused at start, with the reason, when a file cannot be read, holds no
PEM certificate or no unencrypted private key, the key is not the certificate's, or the
certificate is expired or not yet valid.

``--tls self-signed`` keeps its files in ``tls/`` of the data folder (the SQLite file's
folder; ``.userpool`` for PostgreSQL): a CA made once (``ca.pem``, its key ``ca.key``
0600, ten years) and a server certificate it signs (``server.pem``, ``server.key`` 0600,
a year) for localhost, 127.0.0.1, ::1, the bound address when it is a specific one,
``*.auth.<region>.amazoncognito.com`` (every prefix domain) and the custom domains
stored at start. A start keeps the server certificate while it covers those names, is the
CA's, and has 30 days left; otherwise it makes a new one (the CA stays, so a client that
trusts it needs nothing new). A custom domain created while the server runs is in the
certificate after the next start.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from userpool.at_rest import key_file, write_private
from userpool.config import Settings
from userpool.domain.oauth import HOSTED_BASE
from userpool.domain.ports import Store

CA_DAYS = 3650
LEAF_DAYS = 365  # under the 398 days browsers allow a server certificate
RENEW_DAYS = 30  # a server certificate with fewer days left is made anew at start
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")
_SERVER_KEYS = (
    ec.EllipticCurvePrivateKey,
    rsa.RSAPrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)


class TlsRefused(Exception):
    """A certificate or key that cannot serve; the message names the file and the fault."""


@dataclass(frozen=True)
class TlsFiles:
    """What the HTTPS listener loads: the certificate chain and key; ``ca`` the local CA's
    certificate with ``--tls self-signed`` (what clients must trust), else None."""

    cert: str
    key: str
    ca: str | None
    names: tuple[str, ...]  # the server certificate's DNS names and addresses
    not_after: datetime.datetime
    made: bool = False  # a new server certificate was made at this start
    new_ca: bool = False  # the CA was made at this start


def tls_folder(settings: Settings) -> str:
    """Where ``--tls self-signed`` keeps its files: ``tls/`` in the data folder."""
    found = key_file(settings)
    folder = os.path.dirname(os.path.abspath(found)) if found else os.path.abspath(".userpool")
    return os.path.join(folder, "tls")


# given files ------------------------------------------------------------------------------
def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise TlsRefused(f"cannot read {path}: {exc.strerror or exc}") from None


def load_pair(
    cert_path: str, key_path: str, now: datetime.datetime
) -> tuple[list[x509.Certificate], CertificateIssuerPrivateKeyTypes]:
    """The chain and key of two PEM files, checked as the module's doc says."""
    try:
        chain = x509.load_pem_x509_certificates(_read(cert_path))
    except ValueError:
        raise TlsRefused(f"{cert_path} holds no PEM certificate") from None
    raw = _read(key_path)
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except TypeError:
        raise TlsRefused(f"{key_path} is encrypted: give an unencrypted key (0600)") from None
    except (ValueError, UnsupportedAlgorithm):
        raise TlsRefused(f"{key_path} holds no PEM private key") from None
    if not isinstance(key, _SERVER_KEYS):
        raise TlsRefused(f"{key_path}: a key of a kind TLS servers do not use")
    leaf = chain[0]
    if _spki(leaf.public_key()) != _spki(key.public_key()):
        raise TlsRefused(f"{key_path} is not the key of the certificate in {cert_path}")
    if leaf.not_valid_after_utc <= now:
        raise TlsRefused(f"{cert_path} expired on {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    if leaf.not_valid_before_utc > now:
        raise TlsRefused(
            f"{cert_path} is not valid before {leaf.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
        )
    return chain, key


def _spki(public: object) -> bytes:
    return public.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def names_of(cert: x509.Certificate) -> tuple[str, ...]:
    """A certificate's subject alternative names: DNS names and addresses."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    dns = san.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return tuple(dns + ips)


def given(settings: Settings, now: datetime.datetime) -> TlsFiles:
    """``--tls-cert`` and ``--tls-key``, checked."""
    assert settings.tls_cert and settings.tls_key
    chain, _ = load_pair(settings.tls_cert, settings.tls_key, now)
    return TlsFiles(
        settings.tls_cert, settings.tls_key, None, names_of(chain[0]), chain[0].not_valid_after_utc
    )


# the local CA ------------------------------------------------------------------------------
def wanted_names(settings: Settings, custom_domains: Iterable[str]) -> tuple[str, ...]:
    """What the self-signed server certificate must name, in order, each once."""
    names = ["localhost", "127.0.0.1", "::1"]
    if settings.host not in _WILDCARD_HOSTS:
        names.append(settings.host.strip("[]"))
    names.append(f"*.auth.{settings.region}.{HOSTED_BASE}")
    names += sorted(d.lower().rstrip(".") for d in custom_domains)
    return tuple(dict.fromkeys(names))


def custom_domains(store: Store) -> list[str]:
    """Every custom domain name stored, of every pool."""
    found: list[str] = []
    with store.read() as tx:
        after: str | None = None
        while True:
            pools = tx.list_pools(after, 60)
            for pool in pools:
                found += [d.domain for d in tx.pool_domains(pool.id) if d.custom]
            if len(pools) < 60:
                return found
            after = pools[-1].id


def self_signed(settings: Settings, names: tuple[str, ...], now: datetime.datetime) -> TlsFiles:
    """The local CA (made if missing or expired) and a server certificate for ``names``
    (kept, or made anew as the module's doc says)."""
    folder = tls_folder(settings)
    ca_pem, ca_key = os.path.join(folder, "ca.pem"), os.path.join(folder, "ca.key")
    pem, key_path = os.path.join(folder, "server.pem"), os.path.join(folder, "server.key")
    new_ca = False
    try:
        ca_chain, ca_private = load_pair(ca_pem, ca_key, now + datetime.timedelta(days=1))
        ca = ca_chain[0]
    except TlsRefused:
        if os.path.exists(ca_key) and not os.access(ca_key, os.R_OK):
            raise
        ca, ca_private = _make_ca(ca_pem, ca_key, now)
        new_ca = True
    leaf = None if new_ca else _usable_leaf(pem, key_path, ca, names, now)
    if leaf is not None:
        return TlsFiles(pem, key_path, ca_pem, names_of(leaf), leaf.not_valid_after_utc)
    leaf = _make_leaf(pem, key_path, ca, ca_private, names, now)
    return TlsFiles(pem, key_path, ca_pem, names_of(leaf), leaf.not_valid_after_utc, True, new_ca)


def _usable_leaf(
    pem: str, key_path: str, ca: x509.Certificate, names: tuple[str, ...], now: datetime.datetime
) -> x509.Certificate | None:
    try:
        chain, _ = load_pair(pem, key_path, now + datetime.timedelta(days=RENEW_DAYS))
        chain[0].verify_directly_issued_by(ca)
    except (TlsRefused, ValueError, TypeError, InvalidSignature):
        return None
    if not set(names) <= set(names_of(chain[0])):
        return None
    return chain[0]


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "userpool (local)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _write_cert(path: str, cert: x509.Certificate) -> None:
    write_private(path, cert.public_bytes(serialization.Encoding.PEM).decode())
    os.chmod(path, 0o644)  # a certificate is public: clients are given this file


def _make_ca(
    pem: str, key_path: str, now: datetime.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"userpool local CA {now:%Y-%m-%d} {os.urandom(3).hex()}")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private(key_path, _pem_key(key))  # 0600, the folder 0700 if new
    _write_cert(pem, cert)
    return cert, key


def _make_leaf(
    pem: str,
    key_path: str,
    ca: x509.Certificate,
    ca_key: CertificateIssuerPrivateKeyTypes,
    names: tuple[str, ...],
    now: datetime.datetime,
) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + datetime.timedelta(days=LEAF_DAYS), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    write_private(key_path, _pem_key(key))
    _write_cert(pem, cert)
    return cert


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def trust_help(ca: str) -> str:
    """How to make clients trust the local CA at ``ca``."""
    return (
        f"HTTPS clients must trust the local CA {ca}:\n"
        f"  Python (requests, authlib): SSL_CERT_FILE={ca} or REQUESTS_CA_BUNDLE={ca}\n"
        f"  boto3, AWS CLI: AWS_CA_BUNDLE={ca} (or verify={ca!r}, --ca-bundle)\n"
        f"  Node (AWS SDK v3, Amplify on Node): NODE_EXTRA_CA_CERTS={ca}\n"
        f"  curl: --cacert {ca}\n"
        f"  Debian/Ubuntu: sudo cp {ca} /usr/local/share/ca-certificates/userpool-local-ca.crt"
        " && sudo update-ca-certificates\n"
        f"  Fedora/RHEL: sudo cp {ca} /etc/pki/ca-trust/source/anchors/userpool-local-ca.pem"
        " && sudo update-ca-trust\n"
        "  macOS: sudo security add-trusted-cert -d -r trustRoot -k "
        f"/Library/Keychains/System.keychain {ca}\n"
        f"  Windows: certutil -addstore -f Root {ca}\n"
        "  Chrome/Chromium on Linux: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n userpool "
        f"-i {ca}\n"
        "  Firefox keeps its own store: Settings > Certificates > Import (or "
        "security.enterprise_roots.enabled)\n"
        "Its key (ca.key beside it, 0600) can sign a certificate for any name: keep it private."
    )
