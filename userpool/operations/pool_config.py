"""A pool's signing certificate and log delivery: GetSigningCertificate,
SetLogDeliveryConfiguration, GetLogDeliveryConfiguration.

The signing certificate is made the first time it is asked for (a self-signed RSA
certificate, its private key sealed with the master key) and kept: it is the one SAML
federation signs its requests with. The log delivery configuration is stored and echoed;
with ``--log-delivery-dir`` the server also writes the configured sources' records there
(``delivery/log_files.py``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from userpool.domain import log_delivery
from userpool.domain.ports import AlreadyExists, NotFound
from userpool.domain.services import Call, Services
from userpool.domain.store_ports import PoolResource
from userpool.errors import FeatureUnavailableInTierException, InvalidParameterException
from userpool.operations.steps.lookups import pool_of

CERT = "signing-certificate"
LOGS = "log-delivery"
TEN_YEARS = datetime.timedelta(days=3653)


def _new_certificate(pool_id: str, now: float) -> tuple[str, str]:
    """(base64 DER certificate, PEM private key) of a new self-signed RSA certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, pool_id)])
    start = datetime.datetime.fromtimestamp(now, datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + TEN_YEARS)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return der, pem


def _stored_certificate(svc: Services, pool_id: str) -> str | None:
    with svc.store.read() as tx:
        pool_of(tx, pool_id)
        try:
            found = tx.get_resource(pool_id, CERT, f"{pool_id}/{CERT}")
        except NotFound:
            return None
    return str(found.body["Certificate"])


async def get_signing_certificate(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """The pool's certificate, made on first use.

    DEVIATION: the certificate is base64 DER without PEM armour, valid ten years, and never
    renewed (Cognito issues a new one yearly); its subject is the pool id (unconfirmed)."""
    pool_id = req["UserPoolId"]
    found = _stored_certificate(svc, pool_id)
    if found is not None:
        return {"Certificate": found}
    now = svc.clock.now()
    der, pem = await asyncio.to_thread(_new_certificate, pool_id, now)
    made = PoolResource(
        f"{pool_id}/{CERT}", pool_id, CERT, None, None, {"Certificate": der},
        svc.box.seal(pem), now, now,
    )  # fmt: skip
    try:
        with svc.store.transaction() as tx:
            pool_of(tx, pool_id)
            tx.insert_resource(made)
    except AlreadyExists:
        pass  # another request made it first: its certificate is the pool's
    found = _stored_certificate(svc, pool_id)
    assert found is not None
    return {"Certificate": found}


async def set_log_delivery_configuration(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """Check and store the configurations (replacing the pool's; an empty list clears).

    DEVIATION: the destinations' ARNs are stored and echoed, never checked or used; the
    records go to the local folder of ``--log-delivery-dir`` instead (if set)."""
    pool_id = req["UserPoolId"]
    configs = list(req.get("LogConfigurations") or [])
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        pool = pool_of(tx, pool_id, lock=True)
        try:
            log_delivery.check(configs, pool.config)
        except log_delivery.Refused as refused:
            if refused.tier:
                raise FeatureUnavailableInTierException(str(refused)) from None
            raise InvalidParameterException(str(refused)) from None
        body = {"UserPoolId": pool_id, "LogConfigurations": configs}
        tx.put_resource(
            PoolResource(f"{pool_id}/{LOGS}", pool_id, LOGS, None, None, body, None, now, now)
        )
    return {"LogDeliveryConfiguration": body}


async def get_log_delivery_configuration(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """The stored configuration; a pool that never set one has an empty list."""
    pool_id = req["UserPoolId"]
    with svc.store.read() as tx:
        pool_of(tx, pool_id)
        try:
            body = tx.get_resource(pool_id, LOGS, f"{pool_id}/{LOGS}").body
        except NotFound:
            body = {"UserPoolId": pool_id, "LogConfigurations": []}
    return {"LogDeliveryConfiguration": body}
