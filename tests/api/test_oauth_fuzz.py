"""Property: whatever reaches an OAuth endpoint, the answer is an OAuth answer, never a 5xx.

Random methods, paths of the endpoints, content types, form bodies (real field names with
any values, junk bytes), ``Authorization`` and ``Host`` headers go to a live server: each
answer is below 500, and its body is empty or a JSON object (an ``error`` when it fails).
"""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_oauth_token import make_m2m
from tests.helpers import Server

FIELDS = [
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "aws_client_metadata",
    "token",
    "code",
    "redirect_uri",
    "refresh_token",
]
_latin = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
_value = st.one_of(
    _latin,
    st.sampled_from(["client_credentials", "", "{}", '{"a": 1}', "[]", "null", "\x00", "%"]),
    st.text(max_size=20),
)
_form = st.dictionaries(st.sampled_from(FIELDS), _value, max_size=6).map(
    lambda d: urlencode(d).encode()
)
_body = st.one_of(_form, st.binary(max_size=300))


def _basic(pair: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()


@given(data=st.data())
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_oauth_answer_is_an_oauth_answer(server: Server, data: Any) -> None:
    app = _app(server)
    method = data.draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "HEAD"]))
    path = data.draw(
        st.sampled_from(
            [
                "/oauth2/token",
                "/oauth2/revoke",
                "/oauth2/userInfo",
                "/oauth2/userinfo",
                f"/{app['pool']}/token",
                f"/{app['pool']}/revoke",
                "/us-east-1_nothere1/token",
                "/no-such/oauth2/token",
                "/oauth2/token?scope=%ff&x=1",
            ]
        )
    )
    headers = {
        "Content-Type": data.draw(
            st.sampled_from(
                ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]
            )
        )
    }
    auth = data.draw(
        st.one_of(
            st.none(),
            st.just(_basic((app["id"], app["secret"]))),
            st.tuples(_latin, _latin).map(_basic),
            _latin.map(lambda t: f"Basic {t}"),
            _latin.map(lambda t: f"Bearer {t}"),
            _latin,
        )
    )
    if auth is not None:
        headers["Authorization"] = auth
    host = data.draw(
        st.one_of(
            st.none(), st.sampled_from(["x.auth.us-east-1.amazoncognito.com", "[::1]"]), _latin
        )
    )
    if host:
        headers["Host"] = host
    body = data.draw(_body)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        status, raw = response.status, response.read()
    finally:
        conn.close()
    assert status < 500, (method, path, headers, body, raw)
    if raw and method != "HEAD":
        answer = json.loads(raw)
        assert isinstance(answer, dict)
        assert status == 200 or "error" in answer or status == 404, answer


_APPS: dict[int, dict[str, str]] = {}


def _app(server: Server) -> dict[str, str]:
    if server.port not in _APPS:
        _APPS[server.port] = make_m2m(server.client())
    return _APPS[server.port]
