"""The CSV rules of user import jobs (``domain/user_import.py``) and the pre-signed upload URL
(``domain/upload_urls.py``), pure: the header a pool expects, how a row is split and judged,
the status and MFA an imported user gets, how a finished job ends, and what a PUT's URL must
carry."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from userpool.domain import upload_urls, user_import
from userpool.domain.schema import pool_schema
from userpool.domain.user_import import HeaderError, RowFailure, Rows

STANDARD = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "cognito:mfa_enabled",
    "cognito:username",
]


def _config(**extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "SchemaAttributes": pool_schema(
            [{"Name": "team", "AttributeDataType": "String", "Mutable": True}]
        ),
        "AutoVerifiedAttributes": ["email"],
        "MfaConfiguration": "OFF",
    }
    config.update(extra)
    return config


def _row(config: dict[str, Any], **values: str) -> bytes:
    """A row of ``config``'s header with these values (``cognito_username`` for the
    ``cognito:`` columns, ``custom_team`` for ``custom:team``)."""
    header = user_import.csv_header(config["SchemaAttributes"])
    named = {
        k.replace("cognito_", "cognito:").replace("custom_", "custom:"): v
        for k, v in values.items()
    }
    return ",".join(named.get(column, "") for column in header).encode()


def _rows(config: dict[str, Any]) -> Rows:
    return Rows(config, user_import.csv_header(config["SchemaAttributes"]))


def test_the_header_lists_the_standard_attributes_as_cognito_then_custom_ones() -> None:
    schema = _config()["SchemaAttributes"]
    header = user_import.csv_header(schema)
    assert header == [*STANDARD[:-2], "custom:team", *STANDARD[-2:]]
    assert user_import.csv_header(pool_schema(None)) == STANDARD


def test_a_header_must_hold_every_column_of_the_pool_and_no_other() -> None:
    expected = user_import.csv_header(pool_schema(None))
    shuffled = list(reversed(expected))
    assert user_import.read_header(",".join(shuffled).encode(), expected) == shuffled
    with pytest.raises(HeaderError, match="lacks columns of the user pool: name"):
        user_import.read_header(",".join(expected[1:]).encode(), expected)
    with pytest.raises(HeaderError, match="columns the user pool lacks: custom:team"):
        user_import.read_header(",".join([*expected, "custom:team"]).encode(), expected)
    with pytest.raises(HeaderError, match="more than once"):
        user_import.read_header(",".join([*expected, "name"]).encode(), expected)
    with pytest.raises(HeaderError, match="byte order mark"):
        user_import.read_header(b"\xef\xbb\xbf" + ",".join(expected).encode(), expected)


def test_values_are_split_at_unescaped_commas_and_trimmed() -> None:
    assert user_import.split_row("a, b ,c") == ["a", "b", "c"]
    assert user_import.split_row(r"Doe\, Jane ,x") == ["Doe, Jane", "x"]
    assert user_import.split_row(",,") == ["", "", ""]


def test_a_good_row_makes_a_reset_required_user_with_its_attributes() -> None:
    config = _config()
    row = _rows(config).read(
        _row(
            config,
            cognito_username="jane",
            email="jane@example.com",
            email_verified="TRUE",
            name=r"Roe\, Jane",
            birthdate="02/01/1985",
            custom_team=" blue ",
            cognito_mfa_enabled="FALSE",
        )
    )
    assert row.username == "jane"
    assert row.attributes == {
        "email": "jane@example.com",
        "email_verified": "true",
        "name": "Roe, Jane",
        "birthdate": "02/01/1985",
        "custom:team": "blue",
    }
    assert (row.status, row.mfa) == ("RESET_REQUIRED", None)


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"email": "a@example.com", "email_verified": "false"}, user_import.NO_VERIFIED_TEXT),
        ({"phone_number": "+15550100", "phone_number_verified": "true"}, "auto verified"),
        ({"email_verified": "true"}, "email_verified is true but the row has no email."),
        (
            {"email": "a@example.com", "email_verified": "true", "birthdate": "1985-02-01"},
            "birthdate must be written mm/dd/yyyy.",
        ),
        (
            {"email": "a@example.com", "email_verified": "true", "updated_at": "yesterday"},
            "updated_at: Number must be a number",
        ),
        ({"email": "not-an-email", "email_verified": "true"}, "Invalid email address format."),
        (
            {"email": "a@example.com", "email_verified": "maybe"},
            "Boolean value must be true or false",
        ),
        (
            {"email": "a@example.com", "email_verified": "true", "cognito_mfa_enabled": "true"},
            "cognito:mfa_enabled must be false or blank: the pool's MFA is off.",
        ),
        (
            {"email": "a@example.com", "email_verified": "true", "cognito_mfa_enabled": "yes"},
            "cognito:mfa_enabled must be true, false or blank.",
        ),
    ],
)
def test_a_row_that_breaks_a_rule_fails_with_why(values: dict[str, str], text: str) -> None:
    config = _config()
    with pytest.raises(RowFailure) as failure:
        _rows(config).read(_row(config, cognito_username="x", **values))
    assert text in str(failure.value)


def test_a_username_is_required_without_spaces_and_the_row_has_every_value() -> None:
    config = _config()
    rows = _rows(config)
    good = {"email": "a@example.com", "email_verified": "true"}
    for name in ("", "two words", "tab\there"):
        with pytest.raises(RowFailure, match="cognito:username is required"):
            rows.read(_row(config, cognito_username=name, **good))
    with pytest.raises(RowFailure, match="has 3 values where the header has 22 columns"):
        rows.read(b"a,b,c")
    with pytest.raises(RowFailure, match="not valid UTF-8"):
        rows.read(_row(config, cognito_username="x", **good) + b"\xff")
    with pytest.raises(RowFailure, match="longer than 16000 characters"):
        rows.read(_row(config, cognito_username="x", name="n" * 16_000, **good))


def test_a_required_attribute_of_the_pool_is_required_in_each_row() -> None:
    schema = pool_schema([{"Name": "family_name", "Required": True}])
    config = _config(SchemaAttributes=schema)
    with pytest.raises(RowFailure, match="family_name: The attribute is required"):
        _rows(config).read(
            _row(config, cognito_username="x", email="a@example.com", email_verified="true")
        )


def test_a_passwordless_first_factor_that_reaches_the_user_confirms_them() -> None:
    config = _config(
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    )
    good = {"cognito_username": "x", "email": "a@example.com", "email_verified": "true"}
    assert _rows(config).read(_row(config, **good)).status == "CONFIRMED"
    phone_only = _config(
        AutoVerifiedAttributes=["email", "phone_number"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    )
    by_phone = {
        "cognito_username": "y",
        "phone_number": "+15550100",
        "phone_number_verified": "true",
    }
    assert _rows(phone_only).read(_row(phone_only, **by_phone)).status == "RESET_REQUIRED"


def test_mfa_enabled_follows_the_pools_requirement() -> None:
    on = _config(
        MfaConfiguration="ON",
        SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"},
        _mfa={"SmsMfa": True},
    )
    good = {"cognito_username": "x", "email": "a@example.com", "email_verified": "true"}
    rows = _rows(on)
    assert rows.read(
        _row(on, **good, phone_number="+15550100", cognito_mfa_enabled="TRUE")
    ).mfa == ["SMS_MFA"]
    assert rows.read(_row(on, **good, cognito_mfa_enabled="")).mfa is None
    with pytest.raises(RowFailure, match="must be true or blank: the pool requires MFA"):
        rows.read(_row(on, **good, cognito_mfa_enabled="false"))


def test_a_job_fails_when_more_rows_were_skipped_or_failed_than_imported() -> None:
    assert user_import.ending(3, 1, 2) == ("Succeeded", "Import Job Completed Successfully.")
    assert user_import.ending(0, 0, 0)[0] == "Succeeded"
    assert user_import.ending(14, 0, 32) == (
        "Failed",
        "Too many users have failed or been skipped during the import.",
    )
    assert user_import.ending(0, 5, 0)[0] == "Failed"
    assert user_import.log_text(5956, "SKIPPED", "The user already exists.") == (
        "[SKIPPED] Line Number 5956 - The user already exists."
    )


def test_job_ids_are_shaped_as_cognitos() -> None:
    job_id = user_import.new_job_id()
    assert job_id.startswith("import-") and len(job_id) == 17 and job_id[7:].isalnum()


# -- the pre-signed URL ---------------------------------------------------------------------
KEY = b"k" * 32
NOW = 1_800_000_000.0


def _signed(now: float = NOW) -> tuple[str, dict[str, str]]:
    url = upload_urls.presigned(
        "http://127.0.0.1:9229/", KEY, "us-east-1_abc", "import-x", now, "us-east-1"
    )
    parts = urlsplit(url)
    assert parts.scheme + "://" + parts.netloc == "http://127.0.0.1:9229"
    return parts.path, dict(parse_qsl(parts.query))


def test_a_presigned_url_opens_its_job_for_fifteen_minutes() -> None:
    path, params = _signed()
    assert path == "/_userpool/imports/us-east-1_abc/import-x"
    assert upload_urls.job_of(path) == ("us-east-1_abc", "import-x")
    assert params["X-Amz-Expires"] == "900"
    assert params["X-Amz-SignedHeaders"] == "host;x-amz-server-side-encryption"
    assert upload_urls.problem(KEY, path, params, "aws:kms", NOW + 900) is None
    assert upload_urls.problem(KEY, path, params, "aws:kms", NOW + 901) == upload_urls.EXPIRED


def test_a_url_for_another_job_or_without_the_signed_header_does_not_match() -> None:
    path, params = _signed()
    other = path.replace("import-x", "import-y")
    assert upload_urls.problem(KEY, other, params, "aws:kms", NOW) == upload_urls.MISMATCH
    assert upload_urls.problem(KEY, path, params, None, NOW) == upload_urls.MISMATCH
    assert upload_urls.problem(KEY, path, params, "AES256", NOW) == upload_urls.MISMATCH
    assert upload_urls.problem(b"x" * 32, path, params, "aws:kms", NOW) == upload_urls.MISMATCH
    longer = {**params, "X-Amz-Expires": "3600"}
    assert upload_urls.problem(KEY, path, longer, "aws:kms", NOW) == upload_urls.MISMATCH
    strange = {**params, "X-Amz-Signature": "é" * 64}
    assert upload_urls.problem(KEY, path, strange, "aws:kms", NOW) == upload_urls.MISMATCH


def test_a_url_missing_a_parameter_is_told_so() -> None:
    path, params = _signed()
    for name in ("X-Amz-Signature", "X-Amz-Date", "X-Amz-Credential"):
        partial = {k: v for k, v in params.items() if k != name}
        assert upload_urls.problem(KEY, path, partial, "aws:kms", NOW) == upload_urls.MISSING
    bad_date = {**params, "X-Amz-Date": "yesterday"}
    assert upload_urls.problem(KEY, path, bad_date, "aws:kms", NOW) == upload_urls.MISSING
    assert upload_urls.job_of("/_userpool/imports/only-one-part") is None
