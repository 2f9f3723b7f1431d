"""An unexpected failure is answered with the internal-error code the operation declares:
``InternalServerException`` for the client-secret operations, ``InternalErrorException``
for every other (and for a request whose operation is unknown)."""

from __future__ import annotations

from userpool.server.wire import internal_error


def test_each_operation_hears_the_internal_error_it_declares() -> None:
    for name in (
        "AddUserPoolClientSecret",
        "ListUserPoolClientSecrets",
        "DeleteUserPoolClientSecret",
    ):
        error = internal_error(name)
        assert (error.code, error.status) == ("InternalServerException", 500)
    for name in ("TagResource", "SignUp", ""):
        error = internal_error(name)
        assert (error.code, error.status) == ("InternalErrorException", 500)
