"""User import jobs, pure: the statuses, the CSV header a pool expects (GetCSVHeader), how a
row of the CSV becomes a user, and how a finished job ends.

The CSV rules are the developer guide's: the first line is the header (columns in any order,
every column of the pool's header present, no other); values are not quoted, a comma inside
one is written ``\\,``, whitespace around a value is trimmed, a row is at most 16,000
characters; ``cognito:username`` is required (no spaces or tabs); at least one of the pool's
auto-verified attributes must be ``true`` (``email_verified``, ``phone_number_verified``),
with its ``email`` or ``phone_number``; ``birthdate`` is ``mm/dd/yyyy``; booleans are
taken in any case (the guide's example writes ``TRUE``). ``cognito:mfa_enabled`` must agree
with the pool's MFA: ``true`` or blank where it is ON, ``false`` or blank where it is OFF.
Imported users are RESET_REQUIRED, or CONFIRMED where the pool's passwordless first factor
(EMAIL_OTP, SMS_OTP) can reach them.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from typing import Any

import regex

from userpool.domain import mfa, mfa_pool
from userpool.domain.entities import CONFIRMED, RESET_REQUIRED
from userpool.domain.schema import check_attributes
from userpool.errors import (
    IMPORT_SUCCEEDED,
    IMPORT_TOO_MANY_FAILED,
    InvalidParameterException,
)

CREATED = "Created"
PENDING = "Pending"
IN_PROGRESS = "InProgress"
STOPPING = "Stopping"
STOPPED = "Stopped"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
EXPIRED = "Expired"
ACTIVE = (PENDING, IN_PROGRESS, STOPPING)  # a job that holds its pool (and its runner)

MAX_JOBS = 1000  # import jobs per pool (Cognito's quota)
MAX_ROW = 16_000  # characters in a row
MAX_USERS = 500_000  # rows after the header
MAX_UPLOAD = 100 * 1024 * 1024  # bytes of a CSV file ("100 MB")
EXPIRES_AFTER = 24 * 3600.0  # a job not started by then is Expired (Cognito: 24-48 hours)
# A job whose runner has written nothing for this long was interrupted (its server
# stopped); a running job writes with every batch, many times a second.
STALE_AFTER = 30.0

USERNAME = "cognito:username"
MFA_ENABLED = "cognito:mfa_enabled"
# The per-row log's words and the texts Cognito writes (the developer guide quotes them).
ROW_SUCCEEDED, ROW_SKIPPED, ROW_FAILED = "SUCCEEDED", "SKIPPED", "FAILED"
IMPORTED_TEXT = "The import succeeded."
EXISTS_TEXT = "The user already exists."
NO_VERIFIED_TEXT = (
    "The User Record does not set any of the auto verified attributes to true. "
    "(Example: email_verified to true)."
)

_ALNUM = string.ascii_letters + string.digits
_USERNAME = regex.compile(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}")
_BIRTHDATE = re.compile(r"(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])/[0-9]{4}")
_ESCAPED_SPLIT = re.compile(r"(?<!\\),")


def new_job_id() -> str:
    """``import-`` and 10 alphanumerics, as Cognito's (``import-qQ0DCt2fRh``)."""
    return "import-" + "".join(secrets.choice(_ALNUM) for _ in range(10))


def csv_header(schema: list[dict[str, Any]]) -> list[str]:
    """GetCSVHeader's columns: the pool's attributes in schema order (the standard ones as
    Cognito lists them, then the custom ones) without ``sub``, then
    ``cognito:mfa_enabled`` and ``cognito:username``.

    DEVIATION: where Cognito puts custom attributes in the list is unconfirmed ("it also
    includes any custom attributes"); here after the standard ones."""
    return [a["Name"] for a in schema if a["Name"] != "sub"] + [MFA_ENABLED, USERNAME]


class HeaderError(Exception):
    """The CSV cannot be read: the whole job fails with this text."""


class RowFailure(Exception):
    """One row cannot be imported: logged FAILED with this text; the job goes on."""


def split_row(line: str) -> list[str]:
    """A row's values: split at commas not written ``\\,``, each trimmed."""
    if "\\," not in line:
        return [value.strip() for value in line.split(",")]
    return [value.replace("\\,", ",").strip() for value in _ESCAPED_SPLIT.split(line)]


def read_header(raw: bytes, expected: list[str]) -> list[str]:
    """The header line's columns, once they are exactly the pool's (in any order).

    DEVIATION: the texts are ours, and so is failing the job for a missing column (the
    guide says every column must be present, not what happens otherwise)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise HeaderError("The CSV file must be UTF-8 without a byte order mark.")
    try:
        columns = split_row(raw.decode())
    except UnicodeDecodeError:
        raise HeaderError("The CSV header is not valid UTF-8.") from None
    seen = set(columns)
    if len(seen) != len(columns):
        raise HeaderError("The CSV header names a column more than once.")
    unknown = [c for c in columns if c not in expected]
    if unknown:
        raise HeaderError(f"The CSV header has columns the user pool lacks: {', '.join(unknown)}")
    missing = [c for c in expected if c not in seen]
    if missing:
        raise HeaderError(f"The CSV header lacks columns of the user pool: {', '.join(missing)}")
    return columns


@dataclass
class Row:
    """What a row makes: a user of ``username`` with ``attributes`` (booleans as
    ``true``/``false``), ``status``, and the MFA factors it enables (None: none set)."""

    username: str
    attributes: dict[str, str]
    status: str
    mfa: list[str] | None


class Rows:
    """The reading of one job's rows against its pool (``config``: the pool's configuration)
    and its header's ``columns``."""

    def __init__(self, config: dict[str, Any], columns: list[str]) -> None:
        self.config = config
        self.schema: list[dict[str, Any]] = config.get("SchemaAttributes") or []
        self.columns = columns
        self.auto_verified = list(config.get("AutoVerifiedAttributes") or [])
        policies = config.get("Policies") or {}
        sign_in = policies.get("SignInPolicy") or {}
        self.first_factors = list(sign_in.get("AllowedFirstAuthFactors") or [])

    def read(self, raw: bytes) -> Row:
        """The row's user, or ``RowFailure`` (its text names no value of the row).

        DEVIATION: every text but Cognito's auto-verified one is ours, and so are the
        rules for a row of another number of values than the header's (FAILED)."""
        too_long = f"The row is longer than {MAX_ROW} characters."
        if len(raw) > 4 * MAX_ROW:  # (UTF-8 takes at most 4 bytes a character)
            raise RowFailure(too_long)
        try:
            line = raw.decode()
        except UnicodeDecodeError:
            raise RowFailure("The row is not valid UTF-8.") from None
        if len(line) > MAX_ROW:
            raise RowFailure(too_long)
        values = split_row(line)
        if len(values) != len(self.columns):
            raise RowFailure(
                f"The row has {len(values)} values where the header has "
                f"{len(self.columns)} columns."
            )
        given = dict(zip(self.columns, values, strict=True))
        username = given.pop(USERNAME)
        if not _USERNAME.fullmatch(username):
            raise RowFailure(
                "cognito:username is required: up to 128 characters, no spaces or tabs."
            )
        enabled = given.pop(MFA_ENABLED).lower()
        attributes = {name: value for name, value in given.items() if value}
        try:
            check_attributes(self.schema, attributes, creating=True)
        except InvalidParameterException as exc:
            raise RowFailure(exc.message.strip()) from None
        self._check_verified(attributes)
        birthdate = attributes.get("birthdate")
        if birthdate is not None and not _BIRTHDATE.fullmatch(birthdate):
            raise RowFailure("birthdate must be written mm/dd/yyyy.")
        return Row(username, attributes, self._status(attributes), self._mfa(enabled, attributes))

    def _check_verified(self, attributes: dict[str, str]) -> None:
        if not any(attributes.get(f"{a}_verified") == "true" for a in self.auto_verified):
            raise RowFailure(NO_VERIFIED_TEXT)
        for name in ("email", "phone_number"):
            if attributes.get(f"{name}_verified") == "true" and not attributes.get(name):
                raise RowFailure(f"{name}_verified is true but the row has no {name}.")

    def _status(self, attributes: dict[str, str]) -> str:
        """CONFIRMED where a passwordless first factor reaches the user's verified address
        (the current developer guide), else RESET_REQUIRED."""
        for factor, name in (("EMAIL_OTP", "email"), ("SMS_OTP", "phone_number")):
            if factor in self.first_factors and attributes.get(f"{name}_verified") == "true":
                return CONFIRMED
        return RESET_REQUIRED

    def _mfa(self, enabled: str, attributes: dict[str, str]) -> list[str] | None:
        """``cognito:mfa_enabled``: blank leaves the user to the pool's requirement.

        DEVIATION: ``true`` enables SMS MFA when the pool offers it and the row has a
        phone number, else email MFA when offered and the row has an email, else nothing
        (the pool's requirement still holds); the texts are ours."""
        mode = mfa_pool.mode(self.config)
        if enabled not in ("", "true", "false"):
            raise RowFailure("cognito:mfa_enabled must be true, false or blank.")
        if mode == "ON" and enabled == "false":
            raise RowFailure("cognito:mfa_enabled must be true or blank: the pool requires MFA.")
        if mode == "OFF" and enabled == "true":
            raise RowFailure("cognito:mfa_enabled must be false or blank: the pool's MFA is off.")
        if enabled != "true":
            return None
        if mfa_pool.sms_offered(self.config) and attributes.get("phone_number"):
            return [mfa.SMS]
        if mfa_pool.email_offered(self.config) and attributes.get("email"):
            return [mfa.EMAIL]
        return None


def ending(imported: int, skipped: int, failed: int) -> tuple[str, str]:
    """(status, completion message) of a job that read its whole file.

    DEVIATION: Cognito's threshold is unpublished (its examples: 0 imported and 5 failed,
    14 imported and 32 failed, both Failed); here a job fails when more rows were skipped
    or failed than imported. The success text is unconfirmed."""
    if skipped + failed > imported:
        return FAILED, IMPORT_TOO_MANY_FAILED
    return SUCCEEDED, IMPORT_SUCCEEDED


def log_text(line: int, outcome: str, message: str) -> str:
    """A line of the job's log as Cognito writes it to CloudWatch Logs."""
    return f"[{outcome}] Line Number {line} - {message}"
