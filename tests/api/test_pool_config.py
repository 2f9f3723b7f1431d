"""A pool's signing certificate and log delivery configuration through boto3:
GetSigningCertificate (one self-signed certificate per pool, made once and kept, its key
sealed at rest) and Set/GetLogDeliveryConfiguration (stored, echoed, checked as Cognito
checks them)."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509

from tests.helpers import Server, error_of

Pools = Callable[..., dict[str, Any]]
GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/cognito/notes"
BUCKET = "arn:aws:s3:::audit-bucket"


def test_signing_certificate_is_made_once_per_pool(idp: Any, make_pool: Pools) -> None:
    pool, other = make_pool(), make_pool()
    first = idp.get_signing_certificate(UserPoolId=pool["Id"])["Certificate"]
    assert idp.get_signing_certificate(UserPoolId=pool["Id"])["Certificate"] == first
    assert idp.get_signing_certificate(UserPoolId=other["Id"])["Certificate"] != first
    cert = x509.load_der_x509_certificate(base64.b64decode(first))
    assert pool["Id"] in cert.subject.rfc4514_string()
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days >= 3650


def test_signing_certificate_key_is_sealed_at_rest(
    idp: Any, make_pool: Pools, server: Server
) -> None:
    if server.db.startswith("postgres"):
        pytest.skip("reads the SQLite file")
    pool = make_pool()
    idp.get_signing_certificate(UserPoolId=pool["Id"])
    with sqlite3.connect(server.db) as db:
        (sealed,) = db.execute(
            "SELECT sealed FROM pool_resources WHERE pool_id=? AND kind='signing-certificate'",
            (pool["Id"],),
        ).fetchone()
    assert sealed and "PRIVATE KEY" not in sealed


def test_signing_certificate_of_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as exc:
        idp.get_signing_certificate(UserPoolId="us-east-1_nothere12")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_log_delivery_is_stored_and_echoed(idp: Any, make_pool: Pools) -> None:
    pool = make_pool(UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    empty = idp.get_log_delivery_configuration(UserPoolId=pool["Id"])
    assert empty["LogDeliveryConfiguration"] == {"UserPoolId": pool["Id"], "LogConfigurations": []}
    configs = [
        {
            "LogLevel": "ERROR",
            "EventSource": "userNotification",
            "CloudWatchLogsConfiguration": {"LogGroupArn": GROUP},
        },
        {
            "LogLevel": "INFO",
            "EventSource": "userAuthEvents",
            "S3Configuration": {"BucketArn": BUCKET},
        },
    ]
    made = idp.set_log_delivery_configuration(UserPoolId=pool["Id"], LogConfigurations=configs)
    expected = {"UserPoolId": pool["Id"], "LogConfigurations": configs}
    assert made["LogDeliveryConfiguration"] == expected
    got = idp.get_log_delivery_configuration(UserPoolId=pool["Id"])
    assert got["LogDeliveryConfiguration"] == expected
    idp.set_log_delivery_configuration(UserPoolId=pool["Id"], LogConfigurations=[])
    got = idp.get_log_delivery_configuration(UserPoolId=pool["Id"])
    assert got["LogDeliveryConfiguration"]["LogConfigurations"] == []


@pytest.mark.parametrize(
    ("configs", "code"),
    [
        ([{"LogLevel": "INFO", "EventSource": "userNotification",
           "CloudWatchLogsConfiguration": {"LogGroupArn": GROUP}}], "InvalidParameterException"),
        ([{"LogLevel": "ERROR", "EventSource": "userNotification",
           "S3Configuration": {"BucketArn": BUCKET}}], "InvalidParameterException"),
        ([{"LogLevel": "ERROR", "EventSource": "userNotification"}], "InvalidParameterException"),
        ([{"LogLevel": "ERROR", "EventSource": "userNotification",
           "CloudWatchLogsConfiguration": {"LogGroupArn": GROUP}}] * 2,
         "InvalidParameterException"),
        ([{"LogLevel": "INFO", "EventSource": "userAuthEvents",
           "S3Configuration": {"BucketArn": BUCKET}}], "FeatureUnavailableInTierException"),
        ([{"LogLevel": "DEBUG", "EventSource": "userAuthEvents",
           "S3Configuration": {"BucketArn": BUCKET}}], "InvalidParameterException"),
    ],
)  # fmt: skip
def test_log_delivery_refusals(
    idp: Any, make_pool: Pools, configs: list[dict[str, Any]], code: str
) -> None:
    pool = make_pool()
    with pytest.raises(ClientError) as exc:
        idp.set_log_delivery_configuration(UserPoolId=pool["Id"], LogConfigurations=configs)
    assert error_of(exc)[0] == code
    got = idp.get_log_delivery_configuration(UserPoolId=pool["Id"])
    assert got["LogDeliveryConfiguration"]["LogConfigurations"] == []


def test_auth_events_need_threat_protection(idp: Any, make_pool: Pools) -> None:
    pool = make_pool(UserPoolTier="PLUS")
    configs = [
        {
            "LogLevel": "INFO",
            "EventSource": "userAuthEvents",
            "S3Configuration": {"BucketArn": BUCKET},
        }
    ]
    with pytest.raises(ClientError) as exc:
        idp.set_log_delivery_configuration(UserPoolId=pool["Id"], LogConfigurations=configs)
    assert error_of(exc)[0] == "InvalidParameterException"


def test_log_delivery_of_unknown_pool(idp: Any) -> None:
    for call in (
        lambda: idp.get_log_delivery_configuration(UserPoolId="us-east-1_nothere12"),
        lambda: idp.set_log_delivery_configuration(
            UserPoolId="us-east-1_nothere12", LogConfigurations=[]
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[0] == "ResourceNotFoundException"
