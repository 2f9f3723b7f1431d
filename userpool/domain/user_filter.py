"""ListUsers' ``Filter``: one attribute, ``name = "value"`` (exact) or ``name ^= "value"``
(starts with), as Cognito documents it.

The grammar: optional spaces, the attribute name (bare, or in double quotes as some
clients send it), optional spaces, ``=`` or ``^=``, optional spaces, the value in double
quotes, optional spaces. Inside the value ``\\"`` is a quote and ``\\\\`` a backslash; any
other backslash stands for itself. An empty (or blank) filter lists everyone.

Which attributes can be searched, and how case counts, is documented: ``username`` and
``status`` (Enabled/Disabled) are case-sensitive, ``cognito:user_status`` is not, and the
developer guide calls every other search case-insensitive. A user without the attribute
never matches, not even ``= ""``.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from userpool.domain.entities import Pool, User
from userpool.errors import BAD_FILTER, BAD_SEARCH_ATTRIBUTE, InvalidParameterException

SEARCHABLE = frozenset(
    {
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
    }
)
_SPACE = " \t\r\n"
# DEVIATION: the name may be double-quoted, as some clients (n8n's Cognito node) send it.
_NAME = regex.compile(r'[\w:.\-]+|"[\w:.\-]+"')


@dataclass(frozen=True)
class UserFilter:
    """A parsed filter: the attribute, the value, and whether it is a prefix."""

    attribute: str
    value: str
    prefix: bool

    def matches(self, pool: Pool, user: User) -> bool:
        have = _value_of(user, self.attribute)
        # DEVIATION: an attribute stored empty counts as missing, so `= ""` matches nobody.
        if not have:
            return False
        want = self.value
        if self.attribute == "username":
            # DEVIATION: documented as case-sensitive; in a case-insensitive pool usernames
            # compare as that pool compares them everywhere else.
            have, want = pool.key(have), pool.key(want)
        elif self.attribute != "status":
            have, want = have.lower(), want.lower()
        return have.startswith(want) if self.prefix else have == want


def _value_of(user: User, attribute: str) -> str | None:
    if attribute == "username":
        return user.username
    if attribute == "sub":
        return user.sub
    if attribute == "cognito:user_status":
        return user.status
    if attribute == "status":
        return "Enabled" if user.enabled else "Disabled"
    return user.attributes.get(attribute)


def parse(text: str | None) -> UserFilter | None:
    """The filter ``text`` states; None (everyone) for an empty one. A filter that is not of
    the form: "Error while parsing filter."; an attribute that cannot be searched (custom,
    developer-only or unknown): "Invalid search attribute: <name>"."""
    if text is None or not text.strip(_SPACE):
        return None
    at = _skip(text, 0)
    name = _NAME.match(text, at)
    if name is None:
        raise InvalidParameterException(BAD_FILTER)
    attribute = name.group().strip('"')
    at = _skip(text, name.end())
    # DEVIATION: an operator other than = and ^= (!=, >, contains...) is a parse error; no
    # source shows Cognito's text for one.
    if text.startswith("^=", at):
        prefix, at = True, at + 2
    elif text.startswith("=", at):
        prefix, at = False, at + 1
    else:
        raise InvalidParameterException(BAD_FILTER)
    value, at = _quoted(text, _skip(text, at))
    if _skip(text, at) != len(text):
        raise InvalidParameterException(BAD_FILTER)
    if attribute not in SEARCHABLE:
        raise InvalidParameterException(BAD_SEARCH_ATTRIBUTE.format(attribute))
    return UserFilter(attribute, value, prefix)


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _quoted(text: str, at: int) -> tuple[str, int]:
    """The double-quoted value at ``at`` and the index after its closing quote.

    DEVIATION: the docs say quotes are escaped with a backslash but not what else a
    backslash does; here only \\" and \\\\ are escapes."""
    if not text.startswith('"', at):
        raise InvalidParameterException(BAD_FILTER)
    out: list[str] = []
    at += 1
    while at < len(text):
        char = text[at]
        if char == '"':
            return "".join(out), at + 1
        if char == "\\" and at + 1 < len(text) and text[at + 1] in '"\\':
            out.append(text[at + 1])
            at += 2
            continue
        out.append(char)
        at += 1
    raise InvalidParameterException(BAD_FILTER)
