"""The outbox over HTTP with ``--dev``: ``GET /_userpool/messages`` read with nothing but an
HTTP client (urllib here, Node's ``fetch`` in tests/js/messages.mjs), filtered by address,
pool and user, its codes confirming sign-ups; the HTML page escaped; hostile queries and
Hosts refused; and without ``--dev`` the paths answer exactly as any unknown path."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.api.test_smtp import Inbox
from tests.factories import App, make_app, sign_up
from tests.helpers import ROOT, Server, free_port

MESSAGES = "/_userpool/messages"
NODE_SCRIPT = ROOT / "tests" / "js" / "messages.mjs"


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("devmessages"), "--dev").start()
    yield srv
    srv.stop()


@pytest.fixture
def devidp(dev: Server) -> Any:
    return dev.client()


def get(
    srv: Server, target: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one plain HTTP request."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, target, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def messages(srv: Server, query: str) -> list[dict[str, Any]]:
    """The endpoint's messages for ``query``, read with urllib as any test would."""
    with urllib.request.urlopen(f"{srv.url}{MESSAGES}?{query}", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["content-type"] == "application/json"
        found: list[dict[str, Any]] = json.loads(answer.read())["messages"]
    return found


def test_a_code_read_over_http_confirms_the_sign_up(dev: Server, devidp: Any) -> None:
    app = make_app(devidp)
    user = sign_up(devidp, app, "httpreader", "http.reader@example.com")
    (message,) = messages(dev, "to=http.reader@example.com")
    assert message["code"] == dev.code(user.email)
    assert re.fullmatch(r"\d{6}", message["code"])
    assert message["destination"] == user.email
    assert message["medium"] == "EMAIL"
    assert message["subject"] == "Your verification code"
    assert message["pool"] == app.pool_id
    assert message["user"] == "httpreader"
    assert message["code"] in message["text"]
    assert message["status"] in ("pending", "sending", "sent")
    assert abs(time.time() - _epoch(message["time"])) < 60
    devidp.confirm_sign_up(
        ClientId=app.client_id, Username="httpreader", ConfirmationCode=message["code"]
    )
    status = devidp.admin_get_user(UserPoolId=app.pool_id, Username="httpreader")["UserStatus"]
    assert status == "CONFIRMED"


def _epoch(iso: str) -> float:
    from datetime import datetime

    assert iso.endswith("Z")
    return datetime.fromisoformat(iso[:-1] + "+00:00").timestamp()


def test_filters_by_address_pool_and_user_newest_first(dev: Server, devidp: Any) -> None:
    first, second = make_app(devidp), make_app(devidp)
    address = "shared.inbox@example.com"
    sign_up(devidp, first, "amy", address)
    sign_up(devidp, second, "amy", address)
    sign_up(devidp, second, "bob", address)
    devidp.resend_confirmation_code(ClientId=second.client_id, Username="bob")
    sign_up(devidp, second, "cat", "other.inbox@example.com")

    everything = messages(dev, f"to={address}")
    assert [(m["pool"], m["user"]) for m in everything] == [
        (second.pool_id, "bob"),
        (second.pool_id, "bob"),
        (second.pool_id, "amy"),
        (first.pool_id, "amy"),
    ]
    ids = [m["id"] for m in everything]
    assert ids == sorted(ids, reverse=True)
    # the resent code is the newest, and the one that confirms
    newest_bob = everything[0]["code"]
    assert newest_bob == dev.code(address)

    # by pool: nothing of the other pool, whatever the other filters
    in_first = messages(dev, f"pool={first.pool_id}")
    assert [(m["pool"], m["user"]) for m in in_first] == [(first.pool_id, "amy")]
    assert [m["user"] for m in messages(dev, f"pool={second.pool_id}&user=amy")] == ["amy"]
    assert messages(dev, f"pool={first.pool_id}&user=bob") == []
    assert messages(dev, f"pool={first.pool_id}&to=other.inbox@example.com") == []
    assert {m["pool"] for m in messages(dev, "user=amy")} >= {first.pool_id, second.pool_id}
    assert messages(dev, f"pool={first.pool_id.upper()}x") == []

    assert [m["id"] for m in messages(dev, f"to={address}&limit=1")] == ids[:1]
    assert [m["id"] for m in messages(dev, f"to={address}&limit=3")] == ids[:3]
    assert messages(dev, "to=nobody@example.com") == []


def test_a_plus_left_unencoded_in_the_address_still_matches(dev: Server, devidp: Any) -> None:
    """``+`` in a query reads as a space; no address has one, so it is read back as ``+``."""
    app = make_app(devidp, AutoVerifiedAttributes=["phone_number"])
    devidp.sign_up(
        ClientId=app.client_id,
        Username="phoned",
        Password="Passw0rd!",
        UserAttributes=[{"Name": "phone_number", "Value": "+15555550142"}],
    )
    sign_up(devidp, make_app(devidp), "tagged", "tagged+inbox@example.com")
    (sms,) = messages(dev, "to=+15555550142")
    assert (sms["medium"], sms["destination"], sms["subject"]) == ("SMS", "+15555550142", None)
    assert sms["code"] and sms["code"] in sms["text"]
    assert messages(dev, "to=%2B15555550142") == [sms]
    (tagged,) = messages(dev, "to=tagged+inbox@example.com")
    assert tagged["destination"] == "tagged+inbox@example.com"


def test_the_page_lists_messages_with_every_value_escaped(dev: Server, devidp: Any) -> None:
    app = make_app(devidp)
    hostile = "<img/src=x/onerror=alert(1)>"
    sign_up(devidp, app, hostile, "page.reader@example.com")
    (message,) = messages(dev, "to=page.reader@example.com")
    for target, headers in (
        (f"{MESSAGES}.html?to=page.reader%40example.com", {}),
        (f"{MESSAGES}?to=page.reader%40example.com", {"accept": "text/html,*/*;q=0.8"}),
    ):
        status, found, body = get(dev, target, headers)
        page = body.decode()
        assert status == 200
        assert found["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in found["content-security-policy"]
        assert "<img" not in page
        assert "&lt;img/src=x/onerror=alert(1)&gt;" in page
        assert f'<span class="code">{message["code"]}</span>' in page
        assert app.pool_id in page
    # a value echoed into the form cannot leave its attribute
    status, _, body = get(dev, f"{MESSAGES}.html?user=%22%3E%3Cscript%3Ex%3C/script%3E")
    assert status == 200
    assert "<script>" not in body.decode()
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in body.decode()
    assert "No messages." in body.decode()
    # the form sends its empty fields: they filter nothing on the page
    status, _, body = get(dev, f"{MESSAGES}.html?to=page.reader%40example.com&pool=&user=&limit=")
    assert status == 200 and message["code"] in body.decode()


def test_answers_carry_no_cors_and_are_not_cached(dev: Server) -> None:
    for target in (f"{MESSAGES}?limit=1", f"{MESSAGES}.html"):
        status, headers, _ = get(dev, target, {"origin": "http://evil.example"})
        assert status == 200
        assert not any(name.startswith("access-control-") for name in headers)
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
    status, headers, body = get(dev, f"{MESSAGES}?limit=1", method="HEAD")
    assert (status, body) == (200, b"")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=a@example.com", "Unknown parameter 'from'"),
        ("to=a@example.com&to=b@example.com", "more than once"),
        ("to=", "1 to 2048 printable characters"),
        ("pool=", "1 to 2048 printable characters"),
        ("to=a%00b@example.com", "printable"),
        ("user=a%0Ab", "printable"),
        ("to=" + "a" * 2049, "1 to 2048"),
        ("limit=0", "1 to 100"),
        ("limit=101", "1 to 100"),
        ("limit=-1", "1 to 100"),
        ("limit=1e2", "1 to 100"),
        ("limit=%D9%A3", "1 to 100"),  # an Arabic-Indic digit three
        ("limit=99999999999999999999999", "1 to 100"),
        ("to=%ff", "not valid"),
        ("&".join(f"x{i}=1" for i in range(11)), "not valid"),
        ("x=" + "a" * 9000, "longer than 8192"),
    ],
)
def test_a_bad_query_is_refused_plainly(dev: Server, query: str, says: str) -> None:
    status, headers, body = get(dev, f"{MESSAGES}?{query}")
    assert status == 400, body
    assert headers["content-type"] == "application/json"
    assert says in json.loads(body)["message"]
    status, headers, body = get(dev, f"{MESSAGES}.html?{query}")
    if query.endswith("="):  # the page's form sends empty fields: they filter nothing
        assert status == 200
        return
    assert status == 400
    assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:9229", "10.0.0.1", "127.0.0.1.evil.example", ""]
)
def test_a_host_that_is_not_loopback_is_refused(dev: Server, host: str) -> None:
    """A page whose name was rebound to 127.0.0.1 sends its own name as Host."""
    conn = http.client.HTTPConnection("127.0.0.1", dev.port, timeout=10)
    try:
        conn.putrequest("GET", f"{MESSAGES}?limit=1", skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status in (400, 403), body
    assert b"code" not in body


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]:1", "LOCALHOST:9229"])
def test_loopback_hosts_are_served(dev: Server, host: str) -> None:
    status, _, _ = get(dev, f"{MESSAGES}?limit=1", {"host": host})
    assert status == 200


def test_without_dev_the_paths_answer_as_any_unknown_path(server: Server) -> None:
    """The session's server runs without --dev: nothing tells the feature exists."""

    def seen(target: str, headers: dict[str, str] | None = None) -> tuple[Any, ...]:
        status, found, body = get(server, target, headers)
        found.pop("x-amzn-requestid")
        found.pop("date", None)
        return status, found, body

    unknown = seen("/_userpool/nothing")
    assert unknown[0] == 404
    for target in (MESSAGES, f"{MESSAGES}?to=a@example.com", f"{MESSAGES}.html", f"{MESSAGES}?x"):
        assert seen(target) == unknown
        assert seen(target, {"accept": "text/html"}) == unknown


def test_a_delivered_message_whose_text_was_dropped_shows_no_code(tmp_path: Path) -> None:
    """With a real sender and no --keep-message-text, the text (and so the code) goes once
    the message is delivered: the endpoint still lists the message, text and code null."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    srv = Server(
        tmp_path, "--dev", "--sender", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)
    ).start()
    try:
        idp = srv.client()
        sign_up(idp, make_app(idp), "mailed", "mailed@example.com")
        inbox.wait_for("mailed@example.com")
        deadline = time.monotonic() + 15
        while (found := messages(srv, "to=mailed@example.com"))[0]["status"] != "sent":
            assert time.monotonic() < deadline, found
            time.sleep(0.05)
        (message,) = found
        assert (message["text"], message["code"]) == (None, None)
        assert message["subject"] == "Your verification code"
    finally:
        srv.stop()
        controller.stop()


@pytest.fixture(scope="module")
def plain_node() -> str:
    """``node`` (18 or newer, for its built-in ``fetch``); no package needed."""
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed: the any-language test reads codes with Node.js")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    major = re.match(r"v(\d+)\.", version.stdout.strip())
    if major is None or int(major.group(1)) < 18:
        pytest.skip(f"node {version.stdout.strip()!r} has no fetch: Node.js 18+ is needed")
    return exe


def test_node_reads_the_code_with_fetch_alone(dev: Server, devidp: Any, plain_node: str) -> None:
    app: App = make_app(devidp)
    other = make_app(devidp)
    address = "node+reader@example.com"
    sign_up(devidp, other, "noder", address)  # the same address in another pool
    sign_up(devidp, app, "noder", address)
    sign_up(devidp, other, "noder2", address)
    done = subprocess.run(
        [plain_node, str(NODE_SCRIPT), dev.url, address, app.pool_id],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout.strip().splitlines()[-1])
    assert read["count"] == 1
    devidp.confirm_sign_up(ClientId=app.client_id, Username="noder", ConfirmationCode=read["code"])
    assert (
        devidp.admin_get_user(UserPoolId=app.pool_id, Username="noder")["UserStatus"] == "CONFIRMED"
    )
