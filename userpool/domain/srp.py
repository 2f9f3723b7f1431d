"""Server side of Cognito's SRP-6a variant (USER_SRP_AUTH, then PASSWORD_VERIFIER).

The math mirrors the clients (amazon-cognito-identity-js, Amplify, pycognito's ``AWSSRP``):

* the 3072-bit group of RFC 5054 / RFC 3526 with ``g = 2``, hash SHA-256;
* ``k = H(pad(N) | pad(g))`` and ``u = H(pad(A) | pad(B))``, where ``pad`` is the clients' hex
  padding: an odd-length hex string gets one leading ``0``, an even-length one whose first
  digit has the high bit set gets ``00`` (a positive two's complement byte string);
* ``x = H(pad(salt) | H(pool_name | user_id_for_srp | ":" | password))`` with ``pool_name`` the
  part of the pool id after ``_`` (``us-east-1_AbC123xyZ`` -> ``AbC123xyZ``); the inner hash
  is hex text concatenated to the padded salt's hex before decoding to bytes;
* ``v = g^x``, ``B = k*v + g^b``, and on the server ``S = (A * v^u)^b`` (all mod N);
* ``key = HKDF-SHA256(ikm=pad(S), salt=pad(u), info="Caldera Derived Key")[:16]`` (one block);
* ``PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, pool_name | user_id_for_srp |
  secret_block_bytes | TIMESTAMP))`` with TIMESTAMP like ``Tue Nov 3 16:02:03 UTC 2026``
  (English names, day of month not zero-padded, UTC).

``g^e`` for the exponents SRP uses (the 256-bit ``x`` and ``b``) comes from a table of
powers of ``g`` made once per process (``_g_pow``): about 43 multiplications instead of
``pow``'s ~300, so a SignUp's verifier costs about 1 ms of CPU instead of about 5. The
numbers are the same; only the arithmetic is shorter.

Everything here is pure: no I/O, no clock. Hex inputs are parsed strictly (no ``0x``, signs,
underscores or whitespace, bounded length) so garbage is rejected rather than reinterpreted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
from datetime import UTC, datetime

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
_INFO = b"Caldera Derived Key"
_MAX_HEX = 1024  # A, B, v, b all fit in 768 hex digits; anything longer is not ours
_HEX = re.compile(r"[0-9a-fA-F]+")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([1-9]|[12][0-9]|3[01]) "
    r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]) UTC ([0-9]{4})"
)


# Fixed-base exponentiation: row i holds g^(j * 2^(6i)) for j < 64, so g^e for e < 2^256
# is the product of one entry per 6-bit digit of e. 43 rows of 64: about 1.2 MB, made in
# about 100-150 ms of CPU at the first use (in the hasher pool), so a process that never
# meets SRP (a test's server, a CLI command) never pays for it.
_WINDOW = 6
_TABLE_BITS = 256
_table: list[list[int]] = []
_table_lock = threading.Lock()


def prepare() -> None:
    """Make the table of powers of ``g`` (once; the first ``_g_pow`` would otherwise)."""
    with _table_lock:
        if _table:
            return
        rows, base = [], G
        for _ in range(0, _TABLE_BITS, _WINDOW):
            row = [1]
            for _ in range(1, 1 << _WINDOW):
                row.append(row[-1] * base % N)
            rows.append(row)
            base = pow(base, 1 << _WINDOW, N)
        _table.extend(rows)


def _g_pow(e: int) -> int:
    """``pow(G, e, N)`` for ``0 <= e``, through the table when ``e`` fits in it."""
    if e >= 1 << _TABLE_BITS:
        return pow(G, e, N)
    if not _table:
        prepare()
    mask, acc = (1 << _WINDOW) - 1, 1
    for row in _table:
        if not e:
            break
        digit = e & mask
        if digit:
            acc = acc * row[digit] % N
        e >>= _WINDOW
    return acc


def pad_hex(value: int | str) -> str:
    """The clients' ``padHex``: hex of a non-negative number as a positive signed byte string."""
    digits = f"{value:x}" if isinstance(value, int) else value
    if len(digits) % 2:
        return "0" + digits
    if digits[0] in "89abcdefABCDEF":
        return "00" + digits
    return digits


def _hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


def _hash_int(*hex_parts: str) -> int:
    return int(_hex_hash("".join(hex_parts)), 16)


K = _hash_int(pad_hex(N), pad_hex(G))


def _parse_hex(text: str) -> int | None:
    if not isinstance(text, str) or len(text) > _MAX_HEX or not _HEX.fullmatch(text):
        return None
    return int(text, 16)


def pool_name(pool_id: str) -> str:
    """``us-east-1_AbC123xyZ`` -> ``AbC123xyZ`` (the clients use ``split('_')[1]``)."""
    parts = pool_id.split("_")
    if len(parts) < 2:
        raise ValueError(f"not a user pool id: {pool_id!r}")
    return parts[1]


def _x(pool_id: str, username: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool_name(pool_id)}{username}:{password}".encode()).hexdigest()
    return _hash_int(pad_hex(salt_hex), inner)


def make_verifier(
    pool_id: str, username: str, password: str, *, salt: bytes | None = None
) -> tuple[str, str]:
    """``(salt_hex, verifier_hex)`` for the user whose USER_ID_FOR_SRP is ``username``.

    The salt (16 random bytes unless given) is returned in canonical padded form, so clients
    that hash the string as sent (pycognito) and clients that parse it to a number and re-pad it
    (amazon-cognito-identity-js) compute the same ``x``.
    """
    raw = secrets.token_bytes(16) if salt is None else salt
    salt_hex = pad_hex(int.from_bytes(raw, "big"))
    v = _g_pow(_x(pool_id, username, password, salt_hex))
    return salt_hex, pad_hex(v)


def server_challenge(verifier_hex: str) -> tuple[str, str]:
    """``(b_hex, B_hex)``: a fresh private ephemeral ``b`` (keep it server-side) and SRP_B."""
    v = _parse_hex(verifier_hex)
    if v is None or v % N == 0:
        raise ValueError("malformed SRP verifier")
    while True:
        b = secrets.randbits(256) | (1 << 255)
        big_b = (K * v + _g_pow(b)) % N
        if big_b != 0:
            return f"{b:x}", f"{big_b:x}"


def check_a(a_hex: str) -> bool:
    """True if SRP_A is well-formed hex and ``A % N != 0`` (SRP-6a's abort condition)."""
    a = _parse_hex(a_hex)
    return a is not None and a % N != 0


def verify_claim(
    pool_id: str,
    user_id_for_srp: str,
    salt_hex: str,
    verifier_hex: str,
    a_hex: str,
    b_hex: str,
    secret_block_b64: str,
    timestamp: str,
    signature_b64: str,
) -> bool:
    """Check PASSWORD_CLAIM_SIGNATURE; ``salt_hex`` is accepted for symmetry and unused.

    ``secret_block_b64`` must be the block the server issued (not the client's echo), and
    ``timestamp`` the client's TIMESTAMP string as sent; its freshness is the caller's business
    (see :func:`parse_timestamp`). Any malformed input yields False rather than an exception.
    """
    del salt_hex  # folded into the verifier already; kept so callers pass the stored pair
    a, b, v = _parse_hex(a_hex), _parse_hex(b_hex), _parse_hex(verifier_hex)
    if a is None or b is None or v is None or a % N == 0 or v % N == 0:
        return False
    try:
        secret_block = base64.b64decode(secret_block_b64, validate=True)
        claimed = base64.b64decode(signature_b64, validate=True)
        name = pool_name(pool_id)
    except (binascii.Error, ValueError):
        return False
    big_b = (K * v + _g_pow(b)) % N
    u = _hash_int(pad_hex(a), pad_hex(big_b))
    if u == 0:
        return False
    s = pow(a * pow(v, u, N), b, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    key = hmac.new(prk, _INFO + b"\x01", hashlib.sha256).digest()[:16]
    message = name.encode() + user_id_for_srp.encode() + secret_block + timestamp.encode()
    expected = hmac.new(key, message, hashlib.sha256).digest()
    return hmac.compare_digest(expected, claimed)


def new_secret_block() -> str:
    """An opaque SECRET_BLOCK: 96 random bytes, base64 (clients sign its decoded bytes).

    DEVIATION: Cognito's is an encrypted blob; ours is random and doubles as the key of the
    challenge's session, so answers without a Session still find it."""
    return base64.b64encode(secrets.token_bytes(96)).decode()


def format_timestamp(moment: datetime) -> str:
    """A datetime as the clients' TIMESTAMP, e.g. ``Tue Nov 3 16:02:03 UTC 2026``."""
    t = moment.astimezone(UTC) if moment.tzinfo else moment
    return (
        f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year}"
    )


def parse_timestamp(text: str) -> datetime | None:
    """An aware UTC datetime from a TIMESTAMP in exactly the clients' format, else None.

    Rejects zero-padded days, unknown names and a weekday that does not match the date.
    """
    m = _TIMESTAMP.fullmatch(text)
    if m is None or m.group(2) not in _MONTHS:
        return None
    day, month = int(m.group(3)), _MONTHS.index(m.group(2)) + 1
    hms = int(m.group(4)), int(m.group(5)), int(m.group(6))
    try:
        moment = datetime(int(m.group(7)), month, day, *hms, tzinfo=UTC)
    except ValueError:
        return None
    return moment if _DAYS[moment.weekday()] == m.group(1) else None
