"""The coverage table of docs/compatibility.md: every operation of botocore's cognito-idp
model, served, partial or not yet, made from ``REGISTRY`` and the model so it cannot drift
(``tests/test_coverage_table.py`` fails when the doc differs from what this makes).

Run ``scripts/coverage-table`` (or ``python -m userpool.cli.coverage``) to rewrite the
table in place, ``--check`` to only compare. An operation is served when ``REGISTRY`` has
it; it is partial when ``PARTIAL`` says what differs; a partial operation's line is kept
here by hand, one line each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from userpool.model import service_model
from userpool.operations import REGISTRY

DOC = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
BEGIN = "<!-- coverage table: made by scripts/coverage-table; do not edit by hand -->"
END = "<!-- end of the coverage table -->"
HOW = "scripts/coverage-table (or .venv/bin/python -m userpool.cli.coverage)"

_OAUTH = (
    "the OAuth members (`CallbackURLs`, `AllowedOAuthFlows`, scopes ...) are checked as "
    "Cognito checks them; the `code`, `implicit` and `client_credentials` flows are served, "
    "and the hosted pages offer sign-up, forgotten passwords, NEW_PASSWORD_REQUIRED and MFA "
    "(codes, SELECT_MFA_TYPE, authenticator set-up) but no federation or UI customization; "
    "`RefreshTokenRotation` is shown, not applied"
)
_POOL = (
    "kept and shown, not acted on: the custom-sender triggers, and the SES and SNS settings "
    "of `EmailConfiguration` and `SmsConfiguration` (messages go out through the server's "
    "sender: console or SMTP)"
)
_WEBAUTHN_MFA = (
    "`WebAuthnMfaSettings` is kept but has no effect (passkeys sign in as a first factor only)"
)

# operation -> what differs from Cognito, for served operations that are only partly so.
PARTIAL: dict[str, str] = {
    "CreateUserImportJob": (
        "the `PreSignedUrl` is this server's (the CSV is PUT to it as to S3); each row's "
        "result goes to `userpool imports log`, not CloudWatch Logs (`CloudWatchLogsRoleArn` "
        "is kept, never assumed)"
    ),
    "SetLogDeliveryConfiguration": (
        "stored and echoed; with `--log-delivery-dir` only `userNotification` records are "
        "written (to local files), `userAuthEvents` are not yet"
    ),
    "CreateUserPool": _POOL,
    "UpdateUserPool": _POOL,
    "CreateUserPoolClient": _OAUTH,
    "UpdateUserPoolClient": _OAUTH,
    "GetTokensFromRefreshToken": (
        "the client's `RefreshTokenRotation` is not applied: the answer never carries a new "
        "refresh token"
    ),
    "StartWebAuthnRegistration": (
        "the relying party must be set (`RelyingPartyId`): no fallback on a pool domain"
    ),
    "SetUserMFAPreference": _WEBAUTHN_MFA,
    "AdminSetUserMFAPreference": _WEBAUTHN_MFA,
    "SetRiskConfiguration": (
        "compromised credentials are never detected (`CompromisedCredentialsRiskConfiguration` "
        "is kept and shown); the risk signals are our own (docs/security.md)"
    ),
}

SERVED, PARTLY, NOT_YET = "served", "partial", "not yet"


def operation_names() -> list[str]:
    """Every operation of the pinned botocore model, by name."""
    return sorted(service_model()["operations"])


def status(name: str) -> str:
    if name not in REGISTRY:
        return NOT_YET
    return PARTLY if name in PARTIAL else SERVED


def table() -> str:
    """The generated block: a count, then a row per operation of the model."""
    names = operation_names()
    served = [n for n in names if n in REGISTRY]
    partial = [n for n in served if n in PARTIAL]
    lines = [
        BEGIN,
        f"{len(served)} of the model's {len(names)} operations are served, {len(partial)} of "
        f"them in part; {len(names) - len(served)} not yet (they answer "
        "`UnsupportedOperationException`).",
        "",
        "| operation | status | what differs |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {n} | {status(n)} | {PARTIAL[n] if status(n) == PARTLY else ''} |" for n in names]
    lines.append(END)
    return "\n".join(lines) + "\n"


def mistakes() -> list[str]:
    """What is wrong with ``PARTIAL`` itself: names that are no served operation of the
    model, and notes that would break the table."""
    model = set(operation_names())
    found = [f"{n}: not an operation of the model" for n in PARTIAL if n not in model]
    found += [f"{n}: not served (not in REGISTRY)" for n in PARTIAL if n in model - set(REGISTRY)]
    found += [f"{n}: a note is one line without '|'" for n, t in PARTIAL.items() if "|" in t]
    found += [f"{n}: a note is one line without '|'" for n, t in PARTIAL.items() if "\n" in t]
    return found


def current(text: str) -> str | None:
    """The block in ``text`` from ``BEGIN`` to ``END`` (with them), or None."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start : end + len(END)] + "\n"


def rewritten(text: str) -> str:
    """``text`` with its block replaced by the generated one."""
    old = current(text)
    if old is None:
        raise ValueError(f"no coverage table (from {BEGIN!r} to {END!r}) in the document")
    return text.replace(old, table(), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/coverage-table",
        description="Rewrite (or --check) the operations table of docs/compatibility.md.",
    )
    parser.add_argument("--check", action="store_true", help="only compare; 1 if it differs")
    parser.add_argument("--doc", type=Path, default=DOC, help=f"the document (default {DOC})")
    args = parser.parse_args(argv)
    problems = mistakes()
    if problems:
        print("PARTIAL in userpool/cli/coverage.py:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    text = args.doc.read_text()
    new = rewritten(text)
    if args.check:
        if new != text:
            print(f"{args.doc}: the coverage table is out of date; run {HOW}", file=sys.stderr)
            return 1
        return 0
    if new != text:
        args.doc.write_text(new)
        print(f"{args.doc}: coverage table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
