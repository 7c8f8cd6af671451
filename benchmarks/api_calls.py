"""API calls per event and per reconcile run, counted where they land: the emulator's call log for
Partner Central, a botocore `before-call` counter for DynamoDB and SNS (moto)."""

import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from invitation_sync.handlers.sync_handler import sync_batch
from invitation_sync.settings import ReconcileSettings
from invitation_sync.wiring import build_reconcile_services
from local.aws_resources import drain_published
from local.environment import local_aws
from local.lambda_context import lambda_context
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import invitation_event, opportunity_invitation, sqs_event


class CallCounter:
    def __init__(self, emulator: PartnerCentralEmulator) -> None:
        self.emulator = emulator
        self.aws: Counter[str] = Counter()

    def _count(self, model: Any, **_: Any) -> None:
        self.aws[f"{model.service_model.endpoint_prefix}.{model.name}"] += 1

    def install(self) -> None:
        assert boto3.DEFAULT_SESSION is not None
        hook: Any = self._count
        boto3.DEFAULT_SESSION.events.register("before-call", hook, unique_id="call-counter")

    @contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        counts: Counter[str] = Counter()
        self.emulator.calls.clear()
        self.aws.clear()
        yield counts
        counts.update(f"partnercentral.{call.operation}" for call in self.emulator.calls)
        counts.update({k: v for k, v in self.aws.items() if not k.startswith("partnercentral")})


def per_event() -> dict[str, dict[str, int]]:
    results: dict[str, dict[str, int]] = {}
    with PartnerCentralEmulator() as emulator, local_aws(emulator.url, POWERTOOLS_LOG_LEVEL="ERROR") as aws:
        boto3.client("sts")  # make sure the default session exists before the counter hooks in
        counter = CallCounter(emulator)
        counter.install()
        invitation = opportunity_invitation(1)
        accepted = {**invitation, "Status": "ACCEPTED"}
        steps = (
            ("new invitation", invitation, "Engagement Invitation Created", "e1"),
            ("status change", accepted, "Engagement Invitation Accepted", "e2"),
            ("duplicate", accepted, "Engagement Invitation Accepted", "e2"),
            ("stale event (lagging read)", invitation, "Engagement Invitation Created", "e1"),
            ("unchanged invitation, new event", accepted, "Engagement Invitation Accepted", "e3"),
        )
        for name, answer, detail_type, event_id in steps:
            emulator.put(answer)
            drain_published(boto3.client("sqs"), aws.probe_queue_url)
            with counter.measure() as counts:
                sync_batch(sqs_event(invitation_event(invitation, detail_type, event_id)), lambda_context())
            published = len(drain_published(boto3.client("sqs"), aws.probe_queue_url))
            results[name] = {**dict(counts), "total": sum(counts.values()), "published": published}
    return results


def reconcile_cost(invitations: int = 1000, changed_share: float = 0.01, rate_cap: float = 5.0) -> dict[str, Any]:
    with PartnerCentralEmulator() as emulator, local_aws(emulator.url, POWERTOOLS_LOG_LEVEL="ERROR") as aws:
        for number in range(1, invitations + 1):
            emulator.put(opportunity_invitation(number))
        settings = ReconcileSettings.model_validate(
            {
                "INVITATIONS_TABLE_NAME": aws.table_name,
                "INVITATION_EVENTS_TOPIC_ARN": aws.topic_arn,
                "SYNC_CATALOGS": "AWS",
                "RECONCILE_PARTICIPANT_TYPES": "RECEIVER",
                "PARTNER_CENTRAL_RATE_CAP": rate_cap,
            }
        )
        services = build_reconcile_services(settings)
        capacity, window = services.rate_limiter.capacity, services.rate_limiter.window
        services.rate_limiter.capacity = 1_000_000  # the initial backfill is setup, not measured
        services.reconciler.run(["AWS"], ["RECEIVER"], lambda: 86_400.0, "setup")
        services.rate_limiter.capacity, services.rate_limiter.window = capacity, window
        drain_published(boto3.client("sqs"), aws.probe_queue_url)
        boto3.client("sts")
        counter = CallCounter(emulator)
        counter.install()
        figures: dict[str, Any] = {"invitations": invitations, "rate_cap": rate_cap}
        for label, changes in (("unchanged", 0), ("1% changed", round(invitations * changed_share))):
            for number in range(1, changes + 1):
                emulator.update("AWS", opportunity_invitation(number * 97 % invitations or 1)["Id"], Status="ACCEPTED")
            started = time.monotonic()
            with counter.measure() as counts:
                report = services.reconciler.run(["AWS"], ["RECEIVER"], lambda: 86_400.0, label)
            elapsed = time.monotonic() - started
            floor_calls = math.ceil(invitations / 100) + changes
            figures[label] = {
                "calls": dict(counts),
                "partner_central_calls": sum(v for k, v in counts.items() if k.startswith("partnercentral")),
                "floor_partner_central_calls": floor_calls,
                "gets": counts["partnercentral.GetEngagementInvitation"],
                "published": len(drain_published(boto3.client("sqs"), aws.probe_queue_url)),
                "wall_s": elapsed,
                "floor_wall_s": floor_calls / rate_cap,
                "drift_repaired": report.drift_repaired,
            }
    return figures
