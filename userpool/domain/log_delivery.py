"""Log delivery configurations (SetLogDeliveryConfiguration) and the records exported.

Cognito's rules: at most one configuration per event source; ``userNotification`` is
logged at ``ERROR`` level to a CloudWatch Logs group only; ``userAuthEvents`` at ``INFO``
level to exactly one of CloudWatch Logs, S3 or Firehose, and only on the Plus plan with
threat protection on (audit or full function). Records are Cognito's exported shape:
``eventTimestamp`` (epoch milliseconds, as a string), ``eventSource``, ``logLevel``,
``message`` and ``logSourceId.userPoolId``.
"""

from __future__ import annotations

from typing import Any

DESTINATIONS = ("CloudWatchLogsConfiguration", "S3Configuration", "FirehoseConfiguration")
SOURCES = {"userNotification": "USER_NOTIFICATION", "userAuthEvents": "USER_AUTH_EVENTS"}


class Refused(Exception):
    """A configuration Cognito refuses: ``tier`` says FeatureUnavailableInTierException,
    else InvalidParameterException; the message is the text."""

    def __init__(self, text: str, tier: bool = False) -> None:
        super().__init__(text)
        self.tier = tier


def check(configs: list[dict[str, Any]], pool_config: dict[str, Any]) -> None:
    """Raise ``Refused`` for the first configuration Cognito would refuse.

    DEVIATION: the texts are ours (Cognito's are unconfirmed)."""
    seen: set[str] = set()
    for item in configs:
        source, level = item["EventSource"], item["LogLevel"]
        if source in seen:
            raise Refused(f"Only one log configuration is allowed for the {source} source.")
        seen.add(source)
        given = [d for d in DESTINATIONS if item.get(d)]
        if len(given) != 1:
            raise Refused("Each log configuration must have exactly one destination.")
        if source == "userNotification":
            if level != "ERROR":
                raise Refused("userNotification logs support only the ERROR log level.")
            if given != ["CloudWatchLogsConfiguration"]:
                raise Refused("userNotification logs can be delivered only to CloudWatch Logs.")
        else:
            if level != "INFO":
                raise Refused("userAuthEvents logs support only the INFO log level.")
            if pool_config.get("UserPoolTier", "ESSENTIALS") != "PLUS":
                tier = pool_config.get("UserPoolTier", "ESSENTIALS")
                raise Refused(
                    f"The following features need to be disabled for the {tier} pricing tier "
                    "configured: User Auth Events Log Export",
                    tier=True,
                )
            mode = (pool_config.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
            if mode == "OFF":
                raise Refused("userAuthEvents logs need threat protection (AUDIT or ENFORCED).")


def record(source: str, level: str, pool_id: str, now: float, message: Any) -> dict[str, Any]:
    """One exported log record."""
    return {
        "eventTimestamp": str(int(now * 1000)),
        "eventSource": SOURCES[source],
        "logLevel": level,
        "message": message,
        "logSourceId": {"userPoolId": pool_id},
    }
