"""Powertools singletons and the metric names the stack's alarms and dashboard read."""

import logging
import os
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared.constants import (
    CHALICE_LOCAL_ENV,
    LAMBDA_TASK_ROOT_ENV,
    SAM_LOCAL_ENV,
    TRACER_DISABLED_ENV,
)
from aws_lambda_powertools.shared.functions import strtobool

from invitation_sync.domain import CATALOGS

SERVICE: Final = "invitation-sync"
METRIC_NAMESPACE: Final = "InvitationSync"

INVITATIONS_SYNCED: Final = "InvitationsSynced"  # a new version stored (and published)
INVITATIONS_UNCHANGED: Final = "InvitationsUnchanged"
INVITATIONS_STALE: Final = "InvitationsStale"
EVENTS_PUBLISHED: Final = "EventsPublished"
PUBLISH_FAILURES: Final = "PublishFailures"
INVITATIONS_INACCESSIBLE: Final = "InvitationsInaccessible"
PARTNER_CENTRAL_THROTTLED: Final = "PartnerCentralThrottled"
INVALID_EVENTS: Final = "InvalidEvents"  # parked at once: retrying cannot help
LAGGING_READS: Final = "LaggingReads"  # an event announced a final status Get did not answer yet
RETRIES_EXHAUSTED: Final = "RetriesExhausted"  # parked on its last receive, with the reason
DRIFT_REPAIRED: Final = "DriftRepaired"  # the reconciler fixed what a missed event should have
INVITATIONS_BACKFILLED: Final = "InvitationsBackfilled"
RECONCILE_FAILURES: Final = "ReconcileFailures"
RECONCILE_SKIPPED: Final = "ReconcileSkipped"  # a run found another holding the lock and did nothing
REMINDERS_PUBLISHED: Final = "RemindersPublished"  # invitation.expiring events, repeats included
REMINDER_FAILURES: Final = "ReminderFailures"  # not published this run: the next run repeats them

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
    """Stands in for Tracer when tracing is off or the code runs outside Lambda (the operator CLI, the
    demo, tests): creating a Tracer imports the X-Ray SDK, which builds its own botocore session (the
    largest single cost of a cold start, and a ProfileNotFound at import under a missing AWS_PROFILE)."""

    def capture_lambda_handler(
        self, lambda_handler: None = None, capture_response: bool | None = None
    ) -> Callable[[Traced], Traced]:
        return _as_is

    def capture_method(self, method: None = None, capture_response: bool | None = None) -> Callable[[Traced], Traced]:
        return _as_is


def _as_is(function: Traced) -> Traced:
    return function


def tracing_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """The stack sets Powertools' own switch, POWERTOOLS_TRACE_DISABLED, from the `tracing` setting.
    Outside Lambda (no LAMBDA_TASK_ROOT, or SAM/Chalice local) Powertools' Tracer disables itself: the
    same rule here means it is not even built there, and the switch is not read."""
    in_lambda = bool(environ.get(LAMBDA_TASK_ROOT_ENV)) and not (
        environ.get(SAM_LOCAL_ENV) or environ.get(CHALICE_LOCAL_ENV)
    )
    return in_lambda and not strtobool(environ.get(TRACER_DISABLED_ENV, "false"))


logger = Logger(service=SERVICE)
# Lambda sets the root logger to the function's log level, and at DEBUG botocore logs every request's
# parameters and every response body: invitations' contacts and messages. The SDK stays at INFO.
for _library in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(_library).setLevel(logging.INFO)
tracer: FunctionTracer = Tracer(service=SERVICE) if tracing_enabled() else _TracingOff()
metrics = Metrics(namespace=METRIC_NAMESPACE, service=SERVICE)


class CatalogMetrics:
    """Counts per catalog, flushed as one EMF line per catalog: a batch may mix catalogs, and the alarms
    read each metric by service and catalog. `current` is the catalog of the record being synced, for
    counts made deep in an adapter (throttled attempts)."""

    def __init__(self) -> None:
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._lock = threading.Lock()
        self.current = "unknown"

    def count(self, catalog: str, name: str, value: int = 1) -> None:
        with self._lock:
            self._counts[catalog][name] += value

    def count_current(self, name: str) -> None:
        self.count(self.current, name)

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, defaultdict(Counter)
        for catalog, by_name in counts.items():
            metrics.add_dimension(name="catalog", value=catalog)
            for name, value in by_name.items():
                metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
            metrics.flush_metrics()

    @staticmethod
    def catalog_of(event: object) -> str:
        """The metric dimension, read before validation so invalid events are counted too."""
        detail = event.get("detail") if isinstance(event, dict) else None
        catalog = detail.get("catalog") if isinstance(detail, dict) else None
        return catalog if isinstance(catalog, str) and catalog in CATALOGS else "unknown"


catalog_metrics = CatalogMetrics()
