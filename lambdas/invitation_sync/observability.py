"""Powertools singletons and the metric names the stack's alarms and dashboard read."""

import os
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.shared.constants import TRACER_DISABLED_ENV
from aws_lambda_powertools.shared.functions import strtobool

SERVICE: Final = "invitation-sync"
METRIC_NAMESPACE: Final = "InvitationSync"

INVITATIONS_SYNCED: Final = "InvitationsSynced"  # a new version stored (and published)
INVITATIONS_UNCHANGED: Final = "InvitationsUnchanged"
INVITATIONS_STALE: Final = "InvitationsStale"
EVENTS_PUBLISHED: Final = "EventsPublished"
PUBLISH_FAILURES: Final = "PublishFailures"
INVITATIONS_INACCESSIBLE: Final = "InvitationsInaccessible"
PARTNER_CENTRAL_THROTTLED: Final = "PartnerCentralThrottled"
INVALID_EVENTS: Final = "InvalidEvents"
DRIFT_REPAIRED: Final = "DriftRepaired"  # the reconciler fixed what a missed event should have
INVITATIONS_BACKFILLED: Final = "InvitationsBackfilled"
RECONCILE_FAILURES: Final = "ReconcileFailures"

Traced = TypeVar("Traced", bound=Callable[..., Any])


class FunctionTracer(Protocol):
    """The part of Powertools' Tracer the functions use: its two decorators, always with arguments."""

    def capture_lambda_handler(
        self, lambda_handler: None = None, capture_response: bool | None = None
    ) -> Callable[[Traced], Traced]: ...

    def capture_method(
        self, method: None = None, capture_response: bool | None = None
    ) -> Callable[[Traced], Traced]: ...


class _TracingOff:
    """Stands in for Tracer when the function's tracing is off: creating a Tracer imports the X-Ray
    SDK, which builds its own botocore session (the largest single cost of a cold start)."""

    def capture_lambda_handler(
        self, lambda_handler: None = None, capture_response: bool | None = None
    ) -> Callable[[Traced], Traced]:
        return _as_is

    def capture_method(self, method: None = None, capture_response: bool | None = None) -> Callable[[Traced], Traced]:
        return _as_is


def _as_is(function: Traced) -> Traced:
    return function


def tracing_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """The stack sets Powertools' own switch, POWERTOOLS_TRACE_DISABLED, from the `tracing` setting."""
    return not strtobool(environ.get(TRACER_DISABLED_ENV, "false"))


logger = Logger(service=SERVICE)
tracer: FunctionTracer = Tracer(service=SERVICE) if tracing_enabled() else _TracingOff()
metrics = Metrics(namespace=METRIC_NAMESPACE, service=SERVICE)
