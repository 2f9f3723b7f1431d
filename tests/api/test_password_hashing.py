"""``--password-hashing`` (``USERPOOL_PASSWORD_HASHING``): ``fast`` hashes passwords with
Argon2id at its least cost for test suites, only when chosen, announced at start; every
stored hash carries its parameters, so a store moves between the settings: under
``normal`` a fast hash is made again at the next right password, and ``fast`` never
weakens a normal one. Read from the store itself (``Server.sql``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP

from tests.factories import App, confirmed_user, make_app
from tests.helpers import HASHING, USERPOOL, Server, error_of

PASSWORD = "Passw0rd!"
NORMAL = "$argon2id$v=19$m=19456,t=2,p=1$"
FAST = "$argon2id$v=19$m=8,t=1,p=1$"
WARNING = "passwords are weakly hashed"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("fast"), hashing="fast").start()
    yield srv
    srv.stop()


def _app(server: Server) -> App:
    return make_app(server.client(), client={"ExplicitAuthFlows": FLOWS})


def _sign_in(server: Server, app: App, name: str, password: str = PASSWORD) -> dict[str, Any]:
    out = server.client().initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app.client_id,
        AuthParameters={"USERNAME": name, "PASSWORD": password},
    )
    return dict(out["AuthenticationResult"])


def _stored(server: Server, sub: str) -> tuple[str, str]:
    """The user's password hash and SRP verifier as stored."""
    ((password_hash,),) = server.sql("SELECT password_hash FROM users WHERE sub=?", sub)
    ((extra,),) = server.sql("SELECT extra FROM users WHERE sub=?", sub)
    return str(password_hash), str(extra)


def test_fast_signs_up_and_in_with_a_salted_least_cost_argon2id_hash(fast: Server) -> None:
    app = _app(fast)
    one = confirmed_user(fast.client(), fast, app.client_id, "one", password=PASSWORD)
    two = confirmed_user(fast.client(), fast, app.client_id, "two", password=PASSWORD)

    assert "AccessToken" in _sign_in(fast, app, "one")
    first, second = _stored(fast, one.sub)[0], _stored(fast, two.sub)[0]
    assert first.startswith(FAST) and second.startswith(FAST)
    assert first != second  # salted: one password, two hashes
    assert PASSWORD not in first
    with pytest.raises(fast.client().exceptions.NotAuthorizedException) as wrong:
        _sign_in(fast, app, "one", "Passw0rd?")
    assert error_of(wrong) == ("NotAuthorizedException", "Incorrect username or password.")
    assert _stored(fast, one.sub)[0] == first


def test_fast_leaves_srp_as_it_is(fast: Server) -> None:
    """SRP's verifier is the protocol's, not a password hash: USER_SRP_AUTH still works."""
    app = _app(fast)
    confirmed_user(fast.client(), fast, app.client_id, "srp", password=PASSWORD)
    aws = AWSSRP("srp", PASSWORD, app.pool_id, app.client_id, client=fast.client())
    assert "AccessToken" in aws.authenticate_user()["AuthenticationResult"]


def test_fast_is_announced_at_start(fast: Server) -> None:
    lines = [line for line in fast.log.read_text().splitlines() if WARNING in line]
    assert lines and "WARNING" in lines[0] and "--password-hashing fast" in lines[0]


def test_the_default_is_normal_and_says_nothing(tmp_path: Path, started: list[Server]) -> None:
    env = {k: v for k, v in os.environ.items() if k != HASHING}
    srv = Server(tmp_path)
    srv.env = env
    started.append(srv.start())
    app = _app(srv)
    user = confirmed_user(srv.client(), srv, app.client_id, "plain", password=PASSWORD)
    assert _stored(srv, user.sub)[0].startswith(NORMAL)
    assert WARNING not in srv.log.read_text()


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (["--password-hashing", "weak"], "invalid choice: 'weak'"),
        (["--password-hashing", "FAST"], "invalid choice: 'FAST'"),
        (["--password-hashing", "fas"], "invalid choice: 'fas'"),
        ({HASHING: "weak"}, "USERPOOL_PASSWORD_HASHING='weak' is not one of normal, fast"),
        ({HASHING: ""}, "USERPOOL_PASSWORD_HASHING='' is not one of normal, fast"),
    ],
)
def test_anything_but_normal_or_fast_is_refused(
    tmp_path: Path, how: list[str] | dict[str, str], said: str
) -> None:
    words = how if isinstance(how, list) else []
    env = {**os.environ, **(how if isinstance(how, dict) else {})}
    done = subprocess.run(
        [USERPOOL, "serve", "--port", "0", "--db", str(tmp_path / "u.db"), *words],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in done.stderr
    assert not (tmp_path / "u.db").exists()


def test_normal_upgrades_a_fast_hash_at_the_next_right_password(
    tmp_path: Path, started: list[Server]
) -> None:
    (tmp_path / "a").mkdir(mode=0o700)
    first = Server(tmp_path / "a", hashing="fast")
    started.append(first.start())
    app = _app(first)
    user = confirmed_user(first.client(), first, app.client_id, "mover", password=PASSWORD)
    made, verifier = _stored(first, user.sub)
    assert made.startswith(FAST)
    first.stop()

    second = first.twin(tmp_path / "b", hashing="normal")
    started.append(second.start())
    assert WARNING not in second.log.read_text()
    with pytest.raises(second.client().exceptions.NotAuthorizedException):
        _sign_in(second, app, "mover", "Wr0ng!pass")
    assert _stored(second, user.sub)[0] == made  # a wrong password upgrades nothing
    assert "AccessToken" in _sign_in(second, app, "mover")
    upgraded, after = _stored(second, user.sub)
    assert upgraded.startswith(NORMAL) and after == verifier
    assert "AccessToken" in _sign_in(second, app, "mover")
    assert _stored(second, user.sub)[0] == upgraded  # made once, then left alone


def test_fast_verifies_a_normal_hash_and_never_weakens_it(
    tmp_path: Path, started: list[Server]
) -> None:
    (tmp_path / "a").mkdir(mode=0o700)
    first = Server(tmp_path / "a", hashing="normal")
    started.append(first.start())
    app = _app(first)
    user = confirmed_user(first.client(), first, app.client_id, "keeper", password=PASSWORD)
    made = _stored(first, user.sub)[0]
    assert made.startswith(NORMAL)
    first.stop()

    second = first.twin(tmp_path / "b", hashing="fast")
    started.append(second.start())
    assert WARNING in second.log.read_text()
    assert "AccessToken" in _sign_in(second, app, "keeper")
    assert _stored(second, user.sub)[0] == made
    new = confirmed_user(second.client(), second, app.client_id, "newer", password=PASSWORD)
    assert _stored(second, new.sub)[0].startswith(FAST)

    second.stop()
    third = first.twin(tmp_path / "c", hashing="normal")
    started.append(third.start())
    assert "AccessToken" in _sign_in(third, app, "keeper")
    assert _stored(third, user.sub)[0] == made
    assert "AccessToken" in _sign_in(third, app, "newer")
    assert _stored(third, new.sub)[0].startswith(NORMAL)
