"""Two transports, one meaning: botocore to an endpoint, or the operations in-process.

``Remote`` is a botocore client for the configured endpoint: it signs the operations the
model signs with the resolved credentials (none with ``--no-sign-request``), retries in
standard mode and honours the TLS and timeout options. ``Embedded`` runs the same
request on the local data directory as the server would: botocore's client-side checks
and JSON serialization, the server's model validation, the ``REGISTRY`` function, then
botocore's response parser, so output and errors read the same either way. Both page
through results with botocore's paginator. ``--debug`` logs requests and responses with
the model's sensitive members masked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import botocore.loaders
import orjson
from botocore import UNSIGNED, xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.paginate import Paginator
from botocore.parsers import ResponseParserFactory
from botocore.serialize import create_serializer
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator

from userpool import __version__
from userpool.cli.clierrors import NO_REGION, CliError, ConfigError
from userpool.cli.settings import CliSettings
from userpool.model import redact

log = logging.getLogger("userpool.cli")
SERVICE = "cognito-idp"
MASK = "*** Sensitive Data Redacted ***"


# The CLI's cognito-idp model is AWS CLI 2.33.31's (awscli_data/NOTICE.md): the server
# serves botocore's newer model, a superset; the CLI offers what the CLI it copies offers.
CLI_DATA = Path(__file__).with_name("awscli_data")
AWS_CLI_VERSION = "2.33.31"  # whose model and texts awscli_data holds, and whose CLI we copy


def loader() -> botocore.loaders.Loader:
    """botocore's data loader with the CLI's model first."""
    return botocore.loaders.Loader(extra_search_paths=[str(CLI_DATA)])


@cache
def service() -> ServiceModel:
    return ServiceModel(loader().load_service_model(SERVICE, "service-2"), service_name=SERVICE)


@cache
def paginator_model() -> dict[str, Any]:
    data = loader().load_service_model(SERVICE, "paginators-1")
    return dict(data["pagination"])


def timestamp_parser(fmt: str) -> Any:
    if fmt == "wire":
        return lambda value: value
    if fmt == "iso8601":
        return lambda value: parse_timestamp(value).isoformat()
    raise ValueError(
        f'Unknown cli_timestamp_format value: {fmt}, valid values are "wire" or "iso8601"'
    )


def mask(value: Any, shape: Shape | None) -> Any:
    """``value`` with the model's sensitive members replaced, for logs."""
    if shape is None:
        return value
    if shape.metadata.get("sensitive"):
        return MASK
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: mask(v, members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [mask(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        if shape.name in redact.PARAMETER_MAPS:  # SECRET_BLOCK and the like (model.redact)
            return {k: MASK if k in redact.SECRET_PARAMETERS else v for k, v in value.items()}
        return {k: mask(v, shape.value) for k, v in value.items()}
    return value


def _log_request(operation: OperationModel, params: dict[str, Any]) -> None:
    log.debug(
        "Making request for %s with params: %s",
        operation.name,
        mask(params, operation.input_shape),
    )


def _log_response(operation: OperationModel, parsed: dict[str, Any]) -> None:
    shown = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    if "Error" in parsed:
        log.debug("Response for %s: %s", operation.name, parsed["Error"])
    else:
        log.debug("Response for %s: %s", operation.name, mask(shown, operation.output_shape))
    request_id = parsed.get("ResponseMetadata", {}).get("RequestId")
    if request_id:
        log.debug("RequestId: %s", request_id)


class Remote:
    """A botocore client for ``settings.endpoint_url``."""

    def __init__(self, settings: CliSettings, operation: OperationModel, sign: bool) -> None:
        if not settings.region:
            raise ConfigError(NO_REGION)
        session = settings.session
        session.register_component("data_loader", loader())
        factory = session.get_component("response_parser_factory")
        factory.set_parser_defaults(timestamp_parser=timestamp_parser(settings.timestamp_format))
        retries: dict[str, Any] = {"mode": settings.retry_mode}
        if settings.max_attempts is not None:
            retries["total_max_attempts"] = settings.max_attempts
        command = xform_name(operation.name, "-")
        config = Config(
            retries=retries,
            read_timeout=settings.read_timeout,
            connect_timeout=settings.connect_timeout,
            user_agent_extra=f"userpool-cli/{__version__} md/command#cognito-idp.{command}",
            **({"signature_version": UNSIGNED} if not sign else {}),
        )
        self.client = session.create_client(
            "cognito-idp",
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
            verify=settings.verify,
            config=config,
        )
        events = self.client.meta.events
        events.register("before-parameter-build.cognito-identity-provider", self._before)
        events.register("after-call.cognito-identity-provider", self._after)

    @staticmethod
    def _before(model: OperationModel, params: dict[str, Any], **_: Any) -> None:
        _log_request(model, params)

    @staticmethod
    def _after(model: OperationModel, parsed: dict[str, Any], **_: Any) -> None:
        _log_response(model, parsed)

    def call(self, operation: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = getattr(self.client, xform_name(operation.name))(**params)
        return result

    def paginate(
        self, operation: OperationModel, params: dict[str, Any], config: dict[str, Any]
    ) -> Any:
        paginator = self.client.get_paginator(xform_name(operation.name))
        return paginator.paginate(**params, PaginationConfig=config)

    def close(self) -> None:
        self.client.close()


def _source(db: str | None) -> str:
    if db is not None:
        return "--db"
    if os.environ.get("USERPOOL_DB"):
        return "USERPOOL_DB"
    return "the default, as no endpoint is configured"


def _missing_store(settings: Any, source: str, creates: bool) -> list[str] | None:
    """None when the store is there; the files about to be made when only create-user-pool
    may make them; otherwise a refusal, so that a read or a mistyped path leaves no empty
    store behind (docs/cli.md)."""
    from userpool import at_rest, storage

    if storage.exists(settings.db):
        return None
    if not creates:
        raise ConfigError(
            f"No local data at {settings.db} ({source}): only create-user-pool starts a new "
            "store. Name an existing file (--db, USERPOOL_DB), or give --endpoint-url to "
            "reach a server."
        )
    key = at_rest.key_file(settings)
    return [settings.db] + ([key] if key and not os.path.exists(key) else [])


def _created(made: list[str]) -> str:
    key = f", master key {made[1]}" if len(made) > 1 and os.path.exists(made[1]) else ""
    return f"Created new local data at {made[0]}{key}.\n"


class Embedded:
    """The operations themselves, on the local data directory (``--db`` / ``USERPOOL_DB``).

    The store is opened at the first request that passes botocore's checks (a request a
    client would refuse never touches it); a missing one is made only for create-user-pool.
    """

    def __init__(self, db: str | None, timestamp_format: str, creates: bool = False) -> None:
        from userpool.config import from_env

        # Messages (codes) stay in the outbox: a running server, or ``userpool outbox``,
        # delivers or shows them; nothing is printed into this command's output.
        self.settings = from_env(db=db, sender="none")
        self.source, self.creates = _source(db), creates
        self.svc: Any = None
        self.runner = asyncio.Runner()
        factory = ResponseParserFactory()
        factory.set_parser_defaults(timestamp_parser=timestamp_parser(timestamp_format))
        self.parser = factory.create_parser("json")
        self.serializer = create_serializer("json", include_validation=False)

    def _open(self) -> Any:
        from userpool.at_rest import StartRefused
        from userpool.config import warnings
        from userpool.services import build_services

        if self.svc is None:
            made = _missing_store(self.settings, self.source, self.creates)
            try:
                self.svc = build_services(self.settings)
            except StartRefused as exc:
                raise CliError(str(exc)) from None
            if made:
                sys.stderr.write(_created(made))
            for warning in warnings(self.settings):  # USERPOOL_PASSWORD_HASHING=fast
                sys.stderr.write(f"userpool: {warning}\n")
            log.debug("Running in-process on %s", self.settings.db)
        return self.svc

    def call(self, operation: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
        report = ParamValidator().validate(params, operation.input_shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())
        self._open()
        _log_request(operation, params)
        body = self.serializer.serialize_to_request(params, operation)["body"]
        status, raw = self._run(operation.name, orjson.loads(body or b"{}"))
        response = {"status_code": status, "headers": {}, "body": raw}
        parsed: dict[str, Any] = self.parser.parse(response, operation.output_shape)
        _log_response(operation, parsed)
        if status >= 300:
            raise ClientError(parsed, operation.name)  # type: ignore[arg-type]
        return parsed

    def _run(self, name: str, request: dict[str, Any]) -> tuple[int, bytes]:
        from userpool.domain.ids import new_request_id
        from userpool.domain.services import Call
        from userpool.errors import CognitoError, InternalErrorException
        from userpool.operations import run

        # The caller has the data directory itself: every operation is theirs, as signed.
        call = Call(new_request_id(), None, signed=True)
        try:
            result = self.runner.run(run(self.svc, call, name, request))
            return 200, orjson.dumps(result)
        except CognitoError as error:
            return error.status, orjson.dumps(error.body())
        except Exception:
            log.exception("%s failed in-process", name)
            return 500, orjson.dumps(InternalErrorException().body())

    def paginate(
        self, operation: OperationModel, params: dict[str, Any], config: dict[str, Any]
    ) -> Any:
        def method(**kwargs: Any) -> dict[str, Any]:
            return self.call(operation, kwargs)

        paginator = Paginator(method, paginator_model()[operation.name], operation)
        return paginator.paginate(**params, PaginationConfig=config)

    def close(self) -> None:
        self.runner.close()
        if self.svc is not None:
            self.svc.close()
