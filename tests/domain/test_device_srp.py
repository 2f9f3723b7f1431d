"""Device SRP against pycognito's client math (no network): the verifier a device
registers (``generate_hash_device``), the server's SRP_B and the device's proof
(``process_device_challenge``), checked by ``device_srp.verify_claim``."""

from __future__ import annotations

import base64
from typing import Any

from pycognito.aws_srp import AWSSRP, generate_hash_device

from userpool.domain import device_srp, srp

GROUP = "-wt2ha1Zd"
KEY = "us-east-1_fec070d2-fa88-424a-8ec8-b26d7198eb23"


class _NoNetwork:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"network call attempted: {name}")


def _device(password: str, group: str = GROUP, key: str = KEY) -> AWSSRP:
    return AWSSRP(
        "alice",
        "unused",
        "us-east-1_AbC123xyZ",
        "client",
        client=_NoNetwork(),
        device_key=key,
        device_group_key=group,
        device_password=password,
    )


def _round(
    config: dict[str, str], password: str, group: str = GROUP, key: str = KEY
) -> tuple[dict[str, str], bool]:
    """The server's challenge to a device answering with ``password``, and its verdict."""
    parsed = device_srp.parse_verifier(config)
    assert parsed is not None
    salt_hex, verifier_hex = parsed
    client = _device(password, group, key)
    a_hex = client.get_auth_params()["SRP_A"]
    assert srp.check_a(a_hex)
    b_hex, big_b = srp.server_challenge(verifier_hex)
    block = srp.new_secret_block()
    challenge = {"SRP_B": big_b, "SALT": salt_hex, "SECRET_BLOCK": block, "USERNAME": "alice"}
    proof = client.process_device_challenge(challenge)
    assert proof["DEVICE_KEY"] == key
    ok = device_srp.verify_claim(
        GROUP,
        KEY,
        verifier_hex,
        a_hex,
        b_hex,
        block,
        proof["TIMESTAMP"],
        proof["PASSWORD_CLAIM_SIGNATURE"],
    )
    return proof, ok


def test_a_device_proves_the_password_it_registered() -> None:
    for _ in range(8):  # salts and verifiers with and without a padded high bit
        password, config = generate_hash_device(GROUP, KEY)
        assert _round(config, password)[1]


def test_another_password_group_key_or_device_key_fails() -> None:
    password, config = generate_hash_device(GROUP, KEY)
    assert not _round(config, "another password")[1]
    assert not _round(config, password, group="-other000")[1]
    assert not _round(config, password, key="us-east-1_00000000-0000-4000-8000-000000000000")[1]


def test_a_tampered_proof_fails() -> None:
    password, config = generate_hash_device(GROUP, KEY)
    salt_hex, verifier_hex = device_srp.parse_verifier(config) or ("", "")
    client = _device(password)
    a_hex = client.get_auth_params()["SRP_A"]
    b_hex, big_b = srp.server_challenge(verifier_hex)
    block = srp.new_secret_block()
    challenge = {"SRP_B": big_b, "SALT": salt_hex, "SECRET_BLOCK": block, "USERNAME": "alice"}
    proof = client.process_device_challenge(challenge)
    good = {
        "group_key": GROUP,
        "device_key": KEY,
        "verifier_hex": verifier_hex,
        "a_hex": a_hex,
        "b_hex": b_hex,
        "secret_block_b64": block,
        "timestamp": proof["TIMESTAMP"],
        "signature_b64": proof["PASSWORD_CLAIM_SIGNATURE"],
    }
    assert device_srp.verify_claim(**good)
    for name, other in (
        ("timestamp", "Mon Jan 1 00:00:00 UTC 2024"),
        ("secret_block_b64", srp.new_secret_block()),
        ("signature_b64", "not base64!"),
        ("a_hex", "zz"),
    ):
        assert not device_srp.verify_claim(**{**good, name: other}), name


def test_verifier_configs_are_parsed_strictly() -> None:
    _, config = generate_hash_device(GROUP, KEY)
    salt_hex, verifier_hex = device_srp.parse_verifier(config) or ("", "")
    assert bytes.fromhex(salt_hex) == base64.b64decode(config["Salt"])
    assert int(verifier_hex, 16) == int.from_bytes(base64.b64decode(config["PasswordVerifier"]))
    unpadded = {k: v.rstrip("=") for k, v in config.items()}  # the AWS CLI's example has none
    assert device_srp.parse_verifier(unpadded) == (salt_hex, verifier_hex)
    n_bytes = srp.N.to_bytes(384, "big")
    for bad in (
        None,
        "text",
        {},
        {"Salt": config["Salt"]},
        {"PasswordVerifier": config["PasswordVerifier"]},
        {**config, "Salt": ""},
        {**config, "PasswordVerifier": "not base64!"},
        {**config, "PasswordVerifier": base64.b64encode(b"\0").decode()},  # 0
        {**config, "PasswordVerifier": base64.b64encode(n_bytes).decode()},  # N: 0 mod N
        {**config, "PasswordVerifier": base64.b64encode(b"\1" * 600).decode()},  # too long
        {**config, "Salt": 7},
    ):
        assert device_srp.parse_verifier(bad) is None, bad
