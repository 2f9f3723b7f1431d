"""MFA inside sign-in, pure: which second-factor challenge a user gets once the first factor
(a password) is right, what each challenge's answer is called, the message a code goes
out in, and the ``amr`` claim a completed sign-in carries.

The decision (``decide``), for a pool in OFF, OPTIONAL or ON mode, from the user's enabled
factors E and preferred factor P (``domain/mfa.py``):

* OFF: no MFA (unless threat protection asks for it, below).
* P set: P's challenge. One factor in E: its challenge. Several and no P: SELECT_MFA_TYPE
  with ``MFAS_CAN_CHOOSE`` = E.
* E empty, OPTIONAL: no MFA.
* E empty, ON: SMS_MFA when the pool offers SMS MFA and the user has a phone number
  (verified or not), else EMAIL_OTP when it offers email MFA and the user has an email,
  else SOFTWARE_TOKEN_MFA when the user has a verified software token, else MFA_SETUP
  with ``MFAS_CAN_SETUP`` = the factors the pool offers.

Threat protection's account-takeover actions (ENFORCED pools only) ask for MFA whatever
the pool's mode: ``MFA_IF_CONFIGURED`` challenges a user who can answer with what the pool
offers (as ON without MFA_SETUP) and lets the others in; ``MFA_REQUIRED`` does the same but
blocks the others.

DEVIATION: which of SMS and email comes first for a user with both and nothing enabled is
unconfirmed (SMS, as recommended); an enabled SMS or email factor the pool no longer
offers is skipped (Cognito's handling is unconfirmed), while a software token keeps
working after the pool stops offering TOTP, as documented; with the pool's MFA OFF it
offers no factor, so only a verified software token answers threat protection's MFA (the
other users are blocked by MFA_REQUIRED and let in by MFA_IF_CONFIGURED).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from userpool.domain import mfa, mfa_pool
from userpool.domain.entities import User

SELECT = "SELECT_MFA_TYPE"
SETUP = "MFA_SETUP"
CHALLENGES = (mfa.SMS, mfa.TOTP, mfa.EMAIL, SELECT, SETUP)
# The ChallengeResponses key carrying each factor's code, and accepted aliases.
CODE_KEYS = {
    mfa.SMS: ("SMS_MFA_CODE",),
    mfa.TOTP: ("SOFTWARE_TOKEN_MFA_CODE",),
    mfa.EMAIL: ("EMAIL_OTP_CODE", "EMAIL_MFA_CODE"),
}
# SELECT_MFA_TYPE's ANSWER values: the documentation's EMAIL_MFA means EMAIL_OTP.
ANSWERS = {mfa.SMS: mfa.SMS, mfa.TOTP: mfa.TOTP, mfa.EMAIL: mfa.EMAIL, "EMAIL_MFA": mfa.EMAIL}
# Threat protection's account-takeover actions that ask for MFA.
RISK_IF_CONFIGURED, RISK_REQUIRED = "MFA_IF_CONFIGURED", "MFA_REQUIRED"
# DEVIATION: Cognito's cap of wrong codes per challenge session is unpublished; after this
# many the session is spent ("Invalid session for the user.").
MAX_FAILURES = 5
# DEVIATION: Cognito's default email MFA message and subject are unpublished.
DEFAULT_EMAIL_SUBJECT = "Your authentication code"
DEFAULT_EMAIL_MESSAGE = mfa_pool.DEFAULT_SMS_MESSAGE
# RFC 8176 method names for the amr claim, per factor completed.
_METHOD = {mfa.SMS: "sms", mfa.TOTP: "otp", mfa.EMAIL: "otp"}


@dataclass(frozen=True)
class Decision:
    """The MFA step: ``challenge`` None means tokens now; ``options`` is SELECT_MFA_TYPE's
    or MFA_SETUP's list; ``blocked``: threat protection refuses the sign-in."""

    challenge: str | None = None
    options: tuple[str, ...] = ()
    blocked: bool = False


def offered(config: dict[str, Any]) -> tuple[str, ...]:
    """The factors a pool offers, in ``mfa.FACTORS`` order (MFA_SETUP's MFAS_CAN_SETUP)."""
    checks = {
        mfa.SMS: mfa_pool.sms_offered,
        mfa.TOTP: mfa_pool.totp_offered,
        mfa.EMAIL: mfa_pool.email_offered,
    }
    return tuple(f for f in mfa.FACTORS if checks[f](config))


def _usable(config: dict[str, Any], user: User, factor: str, has_token: bool) -> bool:
    """Whether ``user`` can answer ``factor`` now: a verified token for TOTP (whatever the
    pool offers now); for SMS and email, the attribute, and the pool offering the factor."""
    if factor == mfa.TOTP:
        return has_token
    attribute = mfa.TARGET[factor]
    return factor in offered(config) and bool(attribute and user.attributes.get(attribute))


def decide(config: dict[str, Any], user: User, has_token: bool, risk: str | None) -> Decision:
    """The challenge after a right password for ``user`` of a pool configured ``config``;
    ``has_token``: the user has a verified software token; ``risk``: threat protection's
    action for this sign-in when it asks for MFA (``RISK_IF_CONFIGURED``/``RISK_REQUIRED``)."""
    mode = mfa_pool.mode(config)
    if mode == "OFF" and risk is None:
        return Decision()
    factors = mfa.factors_of(user)
    enabled = [f for f in factors.enabled if _usable(config, user, f, has_token)]
    if factors.preferred in enabled:
        return Decision(factors.preferred)
    if len(enabled) == 1:
        return Decision(enabled[0])
    if enabled:
        return Decision(SELECT, tuple(enabled))
    if mode != "ON" and risk is None:
        return Decision()
    for factor in (mfa.SMS, mfa.EMAIL, mfa.TOTP):
        if _usable(config, user, factor, has_token):
            return Decision(factor)
    if mode == "ON":
        return Decision(SETUP, offered(config))
    return Decision(blocked=risk == RISK_REQUIRED)


def code_key(answers: dict[str, str], factor: str) -> str:
    """The code in ``answers`` for ``factor``'s challenge ('' when none is given)."""
    for key in CODE_KEYS[factor]:
        if answers.get(key):
            return answers[key]
    return ""


def message(config: dict[str, Any], factor: str) -> tuple[str | None, str]:
    """(subject, text) of an SMS or email MFA code, ``{####}`` standing for the code: the
    pool's SmsAuthenticationMessage, or EmailMfaConfiguration's Message and Subject."""
    if factor == mfa.SMS:
        return None, str(config.get("SmsAuthenticationMessage") or mfa_pool.DEFAULT_SMS_MESSAGE)
    email = (config.get(mfa_pool.PRIVATE) or {}).get("EmailMfaConfiguration") or {}
    subject = email.get("Subject") or DEFAULT_EMAIL_SUBJECT
    return str(subject), str(email.get("Message") or DEFAULT_EMAIL_MESSAGE)


def amr(first: str, factor: str | None) -> tuple[str, ...]:
    """The ID token's ``amr`` after a first factor (``pwd``) and the factor of a completed
    MFA step; empty when no MFA step was completed.

    DEVIATION: Cognito documents ``amr`` (e.g. ``["pwd", "otp", "mfa"]``) as rolling out
    and does not list its values per factor; here only sign-ins that completed an MFA step
    carry it (a sign-in without one keeps the tokens it had before), with RFC 8176's names:
    ``sms`` for an SMS code, ``otp`` for a software-token or email code, then ``mfa``.
    """
    if factor is None:
        return ()
    return (first, _METHOD[factor], "mfa")
