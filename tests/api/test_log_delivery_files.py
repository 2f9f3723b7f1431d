"""Log delivery to local files: with ``--log-delivery-dir``, a pool whose log delivery
configuration has ``userNotification`` gets a JSON line, in the shape of Cognito's exported
logs, for each message the outbox delivers; a pool without one gets none."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.factories import make_app, sign_up
from tests.helpers import Server

GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/cognito/notes"


def _lines(path: Path, deadline: float = 10.0) -> list[dict[str, Any]]:
    end = time.monotonic() + deadline
    while time.monotonic() < end:  # the relay writes after the request's answer
        if path.exists() and path.read_text().endswith("\n"):
            return [json.loads(line) for line in path.read_text().splitlines()]
        time.sleep(0.05)
    return []


def test_sign_up_message_is_logged_as_cognito_exports(
    tmp_path: Path, started: list[Server]
) -> None:
    folder = tmp_path / "logs"
    server = Server(tmp_path, "--sender", "console", "--log-delivery-dir", str(folder)).start()
    started.append(server)
    idp = server.client()
    app, quiet = make_app(idp), make_app(idp)
    idp.set_log_delivery_configuration(
        UserPoolId=app.pool_id,
        LogConfigurations=[
            {
                "LogLevel": "ERROR",
                "EventSource": "userNotification",
                "CloudWatchLogsConfiguration": {"LogGroupArn": GROUP},
            }
        ],
    )
    before = time.time()
    sign_up(idp, quiet, "quiet")
    sign_up(idp, app, "noted")
    lines = _lines(folder / f"{app.pool_id}.userNotification.jsonl")
    assert len(lines) == 1
    (line,) = lines
    assert line["eventSource"] == "USER_NOTIFICATION"
    assert line["logSourceId"] == {"userPoolId": app.pool_id}
    assert line["logLevel"] == "INFO"
    assert "noted@example.com" in line["message"]["details"]
    assert isinstance(line["eventTimestamp"], str)
    assert int(line["eventTimestamp"]) >= int(before * 1000) - 1000
    assert not (folder / f"{quiet.pool_id}.userNotification.jsonl").exists()
