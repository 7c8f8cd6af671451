"""API calls per event and per reconcile run, counted where they land: the emulator's call log for
Partner Central, a botocore `before-call` counter for DynamoDB and SNS (moto)."""

import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final

import boto3

from invitation_sync.handlers.sync_handler import sync_batch
from invitation_sync.models.reconcile_request import ReconcileRequest
from invitation_sync.reconcile import Budget, ReconcileReport
from invitation_sync.settings import ReconcileSettings
from invitation_sync.wiring.reconcile import build_reconcile_services
from local.aws_resources import drain_published
from local.environment import local_aws
from local.lambda_context import lambda_context
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import invitation_event, opportunity_invitation, sqs_event
from local.seeding import history, open_ids, seed

DAILY_READ_QUOTA: Final = 100_000  # Get and List together, per partner account, shared with every integration


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


def reconcile_at_scale(
    final: int = 9_900, open_count: int = 100, answered: int = 5, rate_cap: float = 5.0
) -> dict[str, Any]:
    """Scheduled runs over a partner's history: the incremental run (unchanged; `answered` open invitations
    answered without events) and the full sweep over the same data. The history is seeded straight into
    the table (local/seeding.py): 10,000 real syncs would measure moto, not the reconciler."""
    with PartnerCentralEmulator() as emulator, local_aws(emulator.url, POWERTOOLS_LOG_LEVEL="ERROR") as aws:
        now = datetime.now(UTC)
        invitations = history(final, open_count, now)
        seed(emulator, boto3.client("dynamodb"), aws.table_name, invitations)
        boto3.client("sts")  # the default session exists before the counter hooks in, the clients after
        counter = CallCounter(emulator)
        counter.install()
        settings = ReconcileSettings.model_validate(
            {
                "INVITATIONS_TABLE_NAME": aws.table_name,
                "INVITATION_EVENTS_TOPIC_ARN": aws.topic_arn,
                "SYNC_CATALOGS": "AWS",
                "RECONCILE_PARTICIPANT_TYPES": "RECEIVER,SENDER",
                "PARTNER_CENTRAL_RATE_CAP": rate_cap,
            }
        )
        services = build_reconcile_services(settings)
        pairs = ["AWS#RECEIVER", "AWS#SENDER"]

        def run(mode: str) -> ReconcileReport:
            return services.reconciler.run(
                ReconcileRequest.model_validate({"mode": mode}),
                ["AWS"],
                ["RECEIVER", "SENDER"],
                Budget(lambda: 86_400.0),
                mode,
                lock_seconds=900.0,
            )

        run("incremental")  # the baseline: a complete scheduled run
        per_pair = Counter(f"AWS#{participant_type}" for _, participant_type in invitations)
        figures: dict[str, Any] = {
            "invitations": final + open_count,
            "open": open_count,
            "rate_cap": rate_cap,
            "full_sweep_floor": sum(math.ceil(count / 100) for count in per_pair.values()),
        }
        for label, mode, changes in (
            ("incremental, unchanged", "incremental", 0),
            (f"incremental, {answered} answered without events", "incremental", answered),
            ("full sweep, unchanged", "full", 0),
        ):
            for ident in open_ids(open_count)[:changes]:
                emulator.update("AWS", ident, Status="ACCEPTED")
            drain_published(boto3.client("sqs"), aws.probe_queue_url)
            started = time.monotonic()
            with counter.measure() as counts:
                report = run(mode)
            elapsed = time.monotonic() - started
            lists = [call.params for call in emulator.calls if call.operation == "ListEngagementInvitations"]
            listed_per_pair = Counter(f"{p['Catalog']}#{p['ParticipantType']}" for p in lists)
            reads = (
                counts["partnercentral.ListEngagementInvitations"] + counts["partnercentral.GetEngagementInvitation"]
            )
            figures[label] = {
                "calls": dict(counts),
                "list_calls": counts["partnercentral.ListEngagementInvitations"],
                "list_calls_per_pair_max": max(listed_per_pair[pair] for pair in pairs),
                "gets": counts["partnercentral.GetEngagementInvitation"],
                "published": len(drain_published(boto3.client("sqs"), aws.probe_queue_url)),
                "reads_per_day_hourly": reads * 24,
                "quota_share_hourly": reads * 24 / DAILY_READ_QUOTA,
                "wall_s": elapsed,
                "complete": report.complete,
                "drift_repaired": report.drift_repaired,
            }
    return figures
